//! Forwards ctt's `tracing` events to Python's `logging`, logger `ctt`.
//!
//! Only events from ctt crates (targets starting with `ctt`) at DEBUG or above are forwarded;
//! core and the servers never put secrets in log fields, and nothing is added here.
//!
//! Asking Python whether the `ctt` logger wants a record takes the GIL, which a runtime thread
//! would do for every event (e.g. one INFO event per URL of a batch, usually not wanted). So the
//! lowest level the logger handles is kept here for a short while ([`FRESH_FOR`]): an event below
//! it is dropped without the GIL. Every call into ctt forgets it ([`invalidate`]), so a level set
//! before a call applies to that call; a change made while a call runs applies within
//! [`FRESH_FOR`].

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// How long the logger's level is trusted once read.
const FRESH_FOR: Duration = Duration::from_millis(100);
/// The lowest Python level the `ctt` logger handles (60: none), as last read.
static FLOOR: AtomicU8 = AtomicU8::new(0);
/// When FLOOR was read: microseconds since [`EPOCH`], plus one; 0 = not known.
static READ_AT: AtomicU64 = AtomicU64::new(0);
static EPOCH: OnceLock<Instant> = OnceLock::new();

fn now_us() -> u64 {
    EPOCH.get_or_init(Instant::now).elapsed().as_micros() as u64 + 1
}

/// The `ctt` logger.
fn logger(py: Python<'_>) -> PyResult<&Py<PyAny>> {
    LOGGER.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("logging")?.getattr("getLogger")?.call1(("ctt",))?.unbind())
    })
}

/// Looks the logger up from a Python thread, before anything runs on the runtime: importing
/// `logging` (and so `threading`) from a runtime thread would make `threading` take that thread
/// for the main thread. Not done at import, which it would make slower.
pub fn init(py: Python<'_>) {
    let _ = logger(py);
}

/// Forgets the cached level: the next event asks Python again.
pub fn invalidate() {
    READ_AT.store(0, Relaxed);
}

/// Whether an event of `level` is known to be unwanted without asking Python.
fn surely_unwanted(level: u8) -> bool {
    let at = READ_AT.load(Relaxed);
    at != 0 && level < FLOOR.load(Relaxed) && now_us().saturating_sub(at) < FRESH_FOR.as_micros() as u64
}

/// The lowest level `logger` handles (60 when none): `isEnabledFor` is monotonic in the level.
fn floor_of(logger: &Bound<'_, PyAny>) -> PyResult<u8> {
    for level in [10u8, 20, 30, 40, 50] {
        if logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
            return Ok(level);
        }
    }
    Ok(60)
}

struct PyLogLayer;

#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            let _ = write!(self.rest, " {}={}", field.name(), value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.rest, " {}={:?}", field.name(), value);
        }
    }
}

fn wanted(meta: &Metadata<'_>) -> bool {
    meta.target().starts_with("ctt") && *meta.level() <= Level::DEBUG
}

impl<S: Subscriber> Layer<S> for PyLogLayer {
    fn enabled(&self, meta: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        wanted(meta)
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !wanted(meta) {
            return;
        }
        let level: u8 = match *meta.level() {
            Level::ERROR => 40,
            Level::WARN => 30,
            Level::INFO => 20,
            _ => 10,
        };
        if surely_unwanted(level) {
            return;
        }
        // Never initialize or block a finalizing interpreter; a lost log line is fine then.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            let logger = logger(py)?;
            crate::keep_thread_state(py);
            let logger = logger.bind(py);
            let floor = floor_of(logger)?;
            FLOOR.store(floor, Relaxed);
            READ_AT.store(now_us(), Relaxed);
            if level >= floor {
                let mut f = Fields::default();
                event.record(&mut f);
                let text = format!("{}{}", f.message, f.rest);
                let extra = pyo3::types::PyDict::new(py);
                extra.set_item("ctt_target", meta.target())?;
                let kw = pyo3::types::PyDict::new(py);
                kw.set_item("extra", extra)?;
                logger.call_method("log", (level, "%s", text), Some(&kw))?;
            }
            Ok(())
        });
    }
}

/// Installs the forwarding subscriber (once per process; a no-op if one is already set).
pub fn install() {
    let subscriber = tracing_subscriber::registry().with(PyLogLayer);
    let _ = tracing::subscriber::set_global_default(subscriber);
}
