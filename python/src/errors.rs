//! The exception hierarchy: `CttError` and one subclass per `ctt_core::ErrorKind`.
//!
//! The classes are created once, at module import, with `type(name, bases, namespace)` so that a
//! kind can have a second builtin base (`ValueError`, `TimeoutError`), which `create_exception!`
//! cannot express. Raising translates a core `Error` field by field; nothing is decided here.

use ctt_core::{Error, ErrorKind};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// (kind, class name, extra builtin base, docstring)
const CLASSES: &[(ErrorKind, &str, Option<&str>, &str)] = &[
    (
        ErrorKind::InvalidInput,
        "InvalidInputError",
        Some("ValueError"),
        "A caller-supplied value is unusable (`field` names it), or the API answered 400/422.",
    ),
    (
        ErrorKind::Unauthorized,
        "UnauthorizedError",
        None,
        "The API or the token endpoint refused the credentials.",
    ),
    (ErrorKind::Forbidden, "ForbiddenError", None, "The API answered 403."),
    (ErrorKind::NotFound, "NotFoundError", None, "The API answered 404."),
    (
        ErrorKind::RateLimited,
        "RateLimitedError",
        None,
        "The API answered 429; `retry_after` (seconds) carries its Retry-After when given.",
    ),
    (ErrorKind::Server, "ServerError", None, "The API answered 5xx; `status` carries the status."),
    (
        ErrorKind::UnexpectedStatus,
        "UnexpectedStatusError",
        None,
        "The API answered a status no other class covers.",
    ),
    (
        ErrorKind::Transport,
        "TransportError",
        None,
        "The connection failed, was reset or closed before an answer.",
    ),
    (
        ErrorKind::Timeout,
        "TimeoutError",
        Some("TimeoutError"),
        "The call's deadline passed (also a builtin TimeoutError).",
    ),
    (
        ErrorKind::MalformedResponse,
        "MalformedResponseError",
        None,
        "A 2xx answer whose body is not what the API promises.",
    ),
    (
        ErrorKind::MalformedCallback,
        "MalformedCallbackError",
        None,
        "A callback request that cannot be understood.",
    ),
    (
        ErrorKind::MethodNotAllowed,
        "MethodNotAllowedError",
        None,
        "A callback request with a method the flow never uses.",
    ),
    (ErrorKind::PayloadTooLarge, "PayloadTooLargeError", None, "A callback body over the configured limit."),
    (
        ErrorKind::StateRejected,
        "StateRejectedError",
        None,
        "The flow's state token was missing or failed verification; `reason` says why.",
    ),
    (ErrorKind::Internal, "InternalError", None, "A bug or an environment failure inside ctt."),
];

const ATTRIBUTES: &[&str] = &["status", "retry_after", "field", "reason", "body_snippet"];

struct Classes {
    base: Py<PyType>,
    by_kind: Vec<(ErrorKind, Py<PyType>)>,
}

static TYPES: PyOnceLock<Classes> = PyOnceLock::new();

fn make_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: Bound<'py, PyTuple>,
    doc: &str,
    kind: Option<&str>,
) -> PyResult<Bound<'py, PyType>> {
    let ns = PyDict::new(py);
    ns.set_item("__module__", "ctt")?;
    ns.set_item("__doc__", doc)?;
    ns.set_item("kind", kind)?;
    ns.set_item("message", "")?;
    for attr in ATTRIBUTES {
        ns.set_item(*attr, py.None())?;
    }
    let ty = py.import("builtins")?.getattr("type")?.call1((name, bases, ns))?;
    Ok(ty.cast_into::<PyType>()?)
}

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    TYPES.get_or_try_init(py, || {
        let builtins = py.import("builtins")?;
        let exception = builtins.getattr("Exception")?;
        let base = make_class(
            py,
            "CttError",
            PyTuple::new(py, [exception])?,
            "The base of every ctt error. `kind` is the stable snake_case kind name, `message` \
             the human message (never a secret); `status`, `retry_after`, `field`, `reason` and \
             `body_snippet` are set where the kind carries them, None otherwise.",
            None,
        )?;
        let mut by_kind = Vec::new();
        for (kind, name, extra, doc) in CLASSES {
            let mut bases = vec![base.clone().into_any()];
            if let Some(extra) = extra {
                bases.push(builtins.getattr(*extra)?);
            }
            let cls = make_class(py, name, PyTuple::new(py, bases)?, doc, Some(kind.as_str()))?;
            by_kind.push((*kind, cls.unbind()));
        }
        Ok(Classes { base: base.unbind(), by_kind })
    })
}

/// Adds `CttError` and every subclass to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let c = classes(py)?;
    m.add("CttError", c.base.bind(py))?;
    for (kind, cls) in &c.by_kind {
        let name = CLASSES.iter().find(|(k, ..)| k == kind).map(|(_, n, ..)| *n).unwrap_or("CttError");
        m.add(name, cls.bind(py))?;
    }
    Ok(())
}

/// The exception instance for a core error, with its attributes set.
pub fn exception<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyAny>> {
    let c = classes(py)?;
    let cls = c.by_kind.iter().find(|(k, _)| *k == e.kind()).map(|(_, t)| t).unwrap_or(&c.base);
    let exc = cls.bind(py).call1((e.message(),))?;
    exc.setattr("kind", e.kind().as_str())?;
    exc.setattr("message", e.message())?;
    exc.setattr("status", e.status())?;
    exc.setattr("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
    exc.setattr("field", e.field())?;
    exc.setattr("reason", e.rejection().map(|r| r.as_str()))?;
    exc.setattr("body_snippet", e.body_snippet())?;
    Ok(exc)
}

/// The `PyErr` to raise for a core error.
pub fn to_py(py: Python<'_>, e: &Error) -> PyErr {
    match exception(py, e) {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

/// `Result<T, ctt_core::Error>` → `PyResult<T>`.
pub trait IntoPyResult<T> {
    /// Translates the error, attaching to the interpreter if needed.
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for ctt_core::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(|e| Python::attach(|py| to_py(py, &e)))
    }
}

/// An invalid-input error raised by the binding itself (e.g. a wrong argument shape).
pub fn invalid(py: Python<'_>, field: &'static str, reason: impl std::fmt::Display) -> PyErr {
    to_py(py, &Error::invalid_input(field, reason))
}
