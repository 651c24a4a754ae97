//! Secrets, action-type metadata, consent plans and progress.

use std::sync::Mutex;

use ctt_core::{ActionType, ConsentPlan as CorePlan, ConsentProgress as CoreProgress, StepStatus};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::callback::core_event;
use crate::convert::{action_type, action_type_py, member, service};
use crate::errors::invalid;

/// A secret string (a token, a client secret, a password). ``repr`` and ``str`` are
/// ``[REDACTED]``; ``expose()`` returns the value. Comparison is constant-time.
#[pyclass(module = "ctt", frozen)]
#[derive(Debug)]
pub struct Secret(pub ctt_core::Secret);

#[pymethods]
impl Secret {
    #[new]
    fn new(value: &str) -> Self {
        Secret(ctt_core::Secret::new(value))
    }

    /// The secret value. This is the only way to read it.
    fn expose(&self) -> &str {
        self.0.expose()
    }

    fn __repr__(&self) -> &'static str {
        ctt_core::REDACTED
    }

    fn __str__(&self) -> &'static str {
        ctt_core::REDACTED
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<Secret>() {
            Ok(o) => self.0 == o.get().0,
            Err(_) => false,
        }
    }

    fn __reduce__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Err(invalid(py, "secret", "secrets cannot be pickled"))
    }
}

/// A `Secret` from a `str` or a `ctt.Secret`.
pub fn secret_arg(ob: &Bound<'_, PyAny>, field: &'static str) -> PyResult<ctt_core::Secret> {
    if let Ok(s) = ob.cast::<Secret>() {
        return Ok(s.get().0.clone());
    }
    match ob.extract::<String>() {
        Ok(s) => Ok(ctt_core::Secret::new(s)),
        Err(_) => Err(invalid(ob.py(), field, "expected a str or a ctt.Secret")),
    }
}

/// (code, requirement, services, callback style, description) of a wire name.
#[pyfunction]
pub fn _action_info(
    py: Python<'_>,
    wire: &Bound<'_, PyAny>,
) -> PyResult<(u8, &'static str, Vec<&'static str>, &'static str, &'static str)> {
    let _ = py;
    let t = action_type(wire)?;
    Ok((
        t.code(),
        t.requirement().as_str(),
        t.services().iter().map(|s| s.as_str()).collect(),
        t.callback_style().as_str(),
        t.description(),
    ))
}

/// The product name of a service.
#[pyfunction]
pub fn _service_display_name(name: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    Ok(service(name)?.display_name())
}

/// The canonical name of a service name or alias (``pbx`` → ``pbx_connector``).
#[pyfunction]
pub fn _service_name(name: &Bound<'_, PyAny>) -> PyResult<&'static str> {
    Ok(service(name)?.as_str())
}

/// One step of a ConsentPlan.
#[pyclass(module = "ctt", frozen)]
pub struct PlanStep {
    at: ActionType,
    /// Whether the enterprise can do without it.
    #[pyo3(get)]
    optional: bool,
}

#[pymethods]
impl PlanStep {
    /// The action to get a URL for.
    #[getter]
    fn action_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        action_type_py(py, self.at)
    }

    fn __repr__(&self) -> String {
        let optional = if self.optional { "True" } else { "False" };
        format!("PlanStep(action_type={}, optional={optional})", self.at)
    }
}

/// The ordered action types an enterprise needs for its services: registration first, then
/// required consents, then optional ones. Iterate it for its PlanSteps.
#[pyclass(module = "ctt", frozen)]
pub struct ConsentPlan(pub CorePlan);

#[pymethods]
impl ConsentPlan {
    #[new]
    #[pyo3(signature = (services=None))]
    fn new(services: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut list = Vec::new();
        if let Some(services) = services {
            if services.is_instance_of::<pyo3::types::PyString>() {
                list.push(service(services)?);
            } else {
                for s in services.try_iter()? {
                    list.push(service(&s?)?);
                }
            }
        }
        Ok(ConsentPlan(CorePlan::for_services(&list)))
    }

    /// The steps, in order.
    #[getter]
    fn steps(&self) -> Vec<PlanStep> {
        self.0.steps().iter().map(|s| PlanStep { at: s.action_type, optional: s.optional }).collect()
    }

    /// The action types of the steps, in order.
    #[getter]
    fn action_types<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items: PyResult<Vec<_>> =
            self.0.steps().iter().map(|s| action_type_py(py, s.action_type)).collect();
        PyTuple::new(py, items?)
    }

    /// A progress tracker for this plan.
    fn progress(&self) -> ConsentProgress {
        ConsentProgress(Mutex::new(CoreProgress::new(self.0.clone())))
    }

    fn __contains__(&self, item: &Bound<'_, PyAny>) -> bool {
        action_type(item).map(|t| self.0.contains(t)).unwrap_or(false)
    }

    fn __len__(&self) -> usize {
        self.0.steps().len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let steps = pyo3::types::PyList::new(py, self.steps())?;
        Ok(steps.try_iter()?.into_any())
    }

    fn __repr__(&self) -> String {
        let names: Vec<&str> = self.0.steps().iter().map(|s| s.action_type.as_str()).collect();
        format!("ConsentPlan([{}])", names.join(", "))
    }
}

/// The plan for an enterprise using ``services`` (``Service`` members or names).
#[pyfunction]
#[pyo3(signature = (services=None))]
pub fn consent_plan(services: Option<&Bound<'_, PyAny>>) -> PyResult<ConsentPlan> {
    ConsentPlan::new(services)
}

/// Tracks a ConsentPlan as callbacks arrive. Safe to share between threads.
#[pyclass(module = "ctt", frozen)]
pub struct ConsentProgress(Mutex<CoreProgress>);

impl ConsentProgress {
    fn with<T>(&self, f: impl FnOnce(&mut CoreProgress) -> T) -> T {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

fn types_tuple<'py>(py: Python<'py>, types: Vec<ActionType>) -> PyResult<Bound<'py, PyTuple>> {
    let items: PyResult<Vec<_>> = types.into_iter().map(|t| action_type_py(py, t)).collect();
    PyTuple::new(py, items?)
}

#[pymethods]
impl ConsentProgress {
    #[new]
    fn new(plan: &ConsentPlan) -> Self {
        plan.progress()
    }

    /// The plan being tracked.
    #[getter]
    fn plan(&self) -> ConsentPlan {
        ConsentPlan(self.with(|p| p.plan().clone()))
    }

    /// Records a success; False (and nothing recorded) for a type outside the plan.
    fn record_success(&self, action_type: &Bound<'_, PyAny>) -> PyResult<bool> {
        let t = crate::convert::action_type(action_type)?;
        Ok(self.with(|p| p.record_success(t)))
    }

    /// Records a failure with its message; a step already done stays done.
    fn record_failure(&self, action_type: &Bound<'_, PyAny>, message: &str) -> PyResult<bool> {
        let t = crate::convert::action_type(action_type)?;
        Ok(self.with(|p| p.record_failure(t, message)))
    }

    /// Records what a callback event says, when it carries a verified state token.
    fn record_event(&self, event: &Bound<'_, PyAny>) -> PyResult<bool> {
        let ev = core_event(event)?;
        Ok(self.with(|p| p.record_event(&ev)))
    }

    /// The status of one step (PENDING for types outside the plan).
    fn status_of<'py>(
        &self,
        py: Python<'py>,
        action_type: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = crate::convert::action_type(action_type)?;
        let s = match self.with(|p| p.status_of(t)) {
            StepStatus::Pending => "pending",
            StepStatus::Done => "done",
            StepStatus::Failed(_) => "failed",
        };
        member(py, "StepStatus", s)
    }

    /// Completed steps, in plan order.
    #[getter]
    fn done<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        types_tuple(py, self.with(|p| p.done()))
    }

    /// Failed steps with their last message, in plan order.
    #[getter]
    fn failed<'py>(&self, py: Python<'py>) -> PyResult<Vec<(Bound<'py, PyAny>, String)>> {
        self.with(|p| p.failed()).into_iter().map(|(t, m)| Ok((action_type_py(py, t)?, m))).collect()
    }

    /// Steps not done yet (pending or failed), in plan order, optional ones included.
    #[getter]
    fn remaining<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        types_tuple(py, self.with(|p| p.remaining()))
    }

    /// The first step not done yet, or None.
    #[getter]
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.with(|p| p.next()).map(|t| action_type_py(py, t)).transpose()
    }

    /// Whether every non-optional step is done.
    #[getter]
    fn is_complete(&self) -> bool {
        self.with(|p| p.is_complete())
    }

    fn __repr__(&self) -> String {
        self.with(|p| {
            format!(
                "ConsentProgress(done={}, failed={}, remaining={}, complete={})",
                p.done().len(),
                p.failed().len(),
                p.remaining().len(),
                if p.is_complete() { "True" } else { "False" }
            )
        })
    }
}
