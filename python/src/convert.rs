//! Small conversions shared by every module: enums, times, JSON values, secrets.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ctt_core::{ActionType, Service};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::errors::{invalid, IntoPyResult};

static ENUMS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
static DATETIME: PyOnceLock<(Py<PyAny>, Py<PyAny>)> = PyOnceLock::new();

fn enum_member<'py>(py: Python<'py>, class: &str, value: &str) -> PyResult<Bound<'py, PyAny>> {
    let m = ENUMS.get_or_try_init(py, || py.import("ctt._enums").map(Bound::unbind))?;
    m.bind(py).getattr(class)?.call1((value,))
}

/// `ctt.ActionType` member.
pub fn action_type_py(py: Python<'_>, t: ActionType) -> PyResult<Bound<'_, PyAny>> {
    enum_member(py, "ActionType", t.as_str())
}

/// A member of another `ctt._enums` enum by value.
pub fn member<'py>(py: Python<'py>, class: &str, value: &str) -> PyResult<Bound<'py, PyAny>> {
    enum_member(py, class, value)
}

/// An `ActionType` from a `ctt.ActionType` member or its wire-name string.
pub fn action_type(ob: &Bound<'_, PyAny>) -> PyResult<ActionType> {
    let name = wire_str(ob, "actionType")?;
    ActionType::from_wire(&name).py_err()
}

/// A `Service` from a `ctt.Service` member or a name (aliases accepted, as in core).
pub fn service(ob: &Bound<'_, PyAny>) -> PyResult<Service> {
    let name = wire_str(ob, "services")?;
    Service::from_name(&name).py_err()
}

/// The string value of a str (or str-valued enum member).
fn wire_str(ob: &Bound<'_, PyAny>, field: &'static str) -> PyResult<String> {
    if let Ok(s) = ob.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    Err(invalid(ob.py(), field, format!("expected a str or enum member, got {}", ob.get_type().name()?)))
}

/// A UTC-aware `datetime.datetime` for an instant.
pub fn datetime(py: Python<'_>, t: SystemTime) -> PyResult<Bound<'_, PyAny>> {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    };
    datetime_from_unix(py, secs)
}

/// A UTC-aware `datetime.datetime` from unix seconds.
pub fn datetime_from_unix(py: Python<'_>, secs: f64) -> PyResult<Bound<'_, PyAny>> {
    let (cls, utc) = DATETIME.get_or_try_init(py, || -> PyResult<_> {
        let m = py.import("datetime")?;
        Ok((m.getattr("datetime")?.unbind(), m.getattr("timezone")?.getattr("utc")?.unbind()))
    })?;
    cls.bind(py).call_method1("fromtimestamp", (secs, utc.bind(py)))
}

/// Unix seconds from a number or a `datetime.datetime` (naive ones are taken as UTC).
pub fn unix_seconds(ob: &Bound<'_, PyAny>) -> PyResult<f64> {
    if let Ok(x) = ob.extract::<f64>() {
        return Ok(x);
    }
    let py = ob.py();
    if ob.hasattr("timestamp")? {
        let tz = ob.getattr("tzinfo")?;
        if tz.is_none() {
            let (_, utc) = DATETIME.get_or_try_init(py, || -> PyResult<_> {
                let m = py.import("datetime")?;
                Ok((m.getattr("datetime")?.unbind(), m.getattr("timezone")?.getattr("utc")?.unbind()))
            })?;
            let kw = PyDict::new(py);
            kw.set_item("tzinfo", utc.bind(py))?;
            return ob.call_method("replace", (), Some(&kw))?.call_method0("timestamp")?.extract();
        }
        return ob.call_method0("timestamp")?.extract();
    }
    Err(invalid(py, "time", "expected unix seconds or a datetime"))
}

/// A `SystemTime` from unix seconds.
pub fn system_time(secs: f64) -> SystemTime {
    if secs >= 0.0 {
        UNIX_EPOCH + Duration::from_secs_f64(secs)
    } else {
        UNIX_EPOCH - Duration::from_secs_f64(-secs)
    }
}

/// A non-negative finite duration in seconds.
pub fn duration(py: Python<'_>, field: &'static str, secs: f64) -> PyResult<Duration> {
    if !secs.is_finite() || secs < 0.0 {
        return Err(invalid(py, field, "must be a non-negative number of seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A Python value for a JSON value (objects become dicts, arrays lists).
pub fn json_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(a) => {
            let list = PyList::empty(py);
            for x in a {
                list.append(json_to_py(py, x)?)?;
            }
            list.into_any()
        }
        Value::Object(o) => {
            let d = PyDict::new(py);
            for (k, x) in o {
                d.set_item(k, json_to_py(py, x)?)?;
            }
            d.into_any()
        }
    })
}

/// Bytes from `bytes`, `bytearray`, `memoryview` or `str` (UTF-8).
pub fn bytes_of(ob: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = ob.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = ob.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    let b = ob.py().import("builtins")?.getattr("bytes")?.call1((ob,))?;
    Ok(b.cast::<PyBytes>()?.as_bytes().to_vec())
}

/// `repr` of an optional string, Python style (`'text'` or `None`).
pub fn opt_repr(v: Option<&str>) -> String {
    match v {
        Some(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('\'');
            for c in s.chars() {
                match c {
                    '\'' => out.push_str("\\'"),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() => out.extend(c.escape_default()),
                    c => out.push(c),
                }
            }
            out.push('\'');
            out
        }
        None => "None".to_owned(),
    }
}
