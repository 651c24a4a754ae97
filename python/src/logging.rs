//! Forwards ctt's `tracing` events to Python's `logging`, logger `ctt`.
//!
//! Only events from ctt crates (targets starting with `ctt`) at DEBUG or above are forwarded;
//! core and the servers never put secrets in log fields, and nothing is added here.

use std::fmt::Write as _;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

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
        let mut f = Fields::default();
        event.record(&mut f);
        let text = format!("{}{}", f.message, f.rest);
        let target = meta.target().to_owned();
        // Never initialize or block a finalizing interpreter; a lost log line is fine then.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            let logger = LOGGER.get_or_try_init(py, || -> PyResult<_> {
                Ok(py.import("logging")?.getattr("getLogger")?.call1(("ctt",))?.unbind())
            })?;
            let logger = logger.bind(py);
            if logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
                let extra = pyo3::types::PyDict::new(py);
                extra.set_item("ctt_target", target)?;
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
