//! Action types, services and their metadata; the consent plan and its progress.

use std::ffi::{c_char, CString};
use std::sync::LazyLock;

use ctt_core::{ActionType, CallbackStyle, ConsentPlan, ConsentProgress, Requirement, Service, StepStatus};

use crate::error::*;

/// The nine `actionType`s of `POST /enterprise/getActionItemUrl`, in the order of the API
/// reference. Values are stable (0–8). Functions taking an action type take it as `int32_t` and
/// answer `CTT_ERR_INVALID_INPUT` for a value outside this enum.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_action_type {
    /// `REGISTRATION`: the Global Admin registers the enterprise (JSON POST callback).
    CTT_ACTION_REGISTRATION = 0,
    /// `LOGIN_ENTERPRISE_ADMIN`: the Global Admin logs in, yielding a fresh MSAL token.
    CTT_ACTION_LOGIN_ENTERPRISE_ADMIN = 1,
    /// `GET_USER_SYNC_CONSENT`.
    CTT_ACTION_USER_SYNC_CONSENT = 2,
    /// `GET_PRESENCE_CONSENT`.
    CTT_ACTION_PRESENCE_CONSENT = 3,
    /// `GET_CALL_APP_CONSENT`.
    CTT_ACTION_CALL_APP_CONSENT = 4,
    /// `GET_CONTACTS_CONSENT`.
    CTT_ACTION_CONTACTS_CONSENT = 5,
    /// `GET_CDR_CONSENT`.
    CTT_ACTION_CDR_CONSENT = 6,
    /// `GET_CALL_RECORDING_CONSENT`.
    CTT_ACTION_CALL_RECORDING_CONSENT = 7,
    /// `GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT`.
    CTT_ACTION_SERVICE_PROVIDER_MANAGEMENT_CONSENT = 8,
}

/// The number of action types (values 0 to `CTT_ACTION_TYPE_COUNT - 1`).
pub const CTT_ACTION_TYPE_COUNT: u32 = 9;

impl ctt_action_type {
    pub(crate) fn from_core(t: ActionType) -> ctt_action_type {
        use ctt_action_type::*;
        [
            CTT_ACTION_REGISTRATION,
            CTT_ACTION_LOGIN_ENTERPRISE_ADMIN,
            CTT_ACTION_USER_SYNC_CONSENT,
            CTT_ACTION_PRESENCE_CONSENT,
            CTT_ACTION_CALL_APP_CONSENT,
            CTT_ACTION_CONTACTS_CONSENT,
            CTT_ACTION_CDR_CONSENT,
            CTT_ACTION_CALL_RECORDING_CONSENT,
            CTT_ACTION_SERVICE_PROVIDER_MANAGEMENT_CONSENT,
        ][usize::from(t.code())]
    }
}

/// An action type from C: checked against the enum's range.
pub(crate) fn action_arg(v: i32) -> FfiResult<ActionType> {
    u8::try_from(v)
        .ok()
        .and_then(ActionType::from_code)
        .ok_or_else(|| invalid("actionType", format!("{v} is not a ctt_action_type (0-8)")))
}

/// The ConnectToTeams services, as bit flags: a set of services is their bitwise OR.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_service {
    /// PBX Connector.
    CTT_SERVICE_PBX_CONNECTOR = 1,
    /// SMS Connector.
    CTT_SERVICE_SMS_CONNECTOR = 2,
    /// CallApp Add-on.
    CTT_SERVICE_CALL_APP_ADDON = 4,
    /// Call Recording Add-on.
    CTT_SERVICE_CALL_RECORDING_ADDON = 8,
}

/// Every service bit.
pub const CTT_SERVICE_ALL: u32 = 15;

fn service_bit(s: Service) -> u32 {
    let i = Service::ALL.iter().position(|x| *x == s).unwrap_or(0);
    1 << i
}

fn services_of_mask(mask: u32) -> FfiResult<Vec<Service>> {
    if mask & !CTT_SERVICE_ALL != 0 {
        return Err(invalid("services", format!("0x{mask:x} has bits outside CTT_SERVICE_ALL")));
    }
    Ok(Service::ALL.into_iter().filter(|s| mask & service_bit(*s) != 0).collect())
}

fn service_arg(v: i32) -> FfiResult<Service> {
    Service::ALL
        .into_iter()
        .find(|s| i64::from(service_bit(*s)) == i64::from(v))
        .ok_or_else(|| invalid("services", format!("{v} is not a single ctt_service bit")))
}

/// How the API reference classifies an action type.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_requirement {
    /// A step of the flow itself (REGISTRATION, LOGIN_ENTERPRISE_ADMIN), not a consent.
    CTT_REQUIREMENT_FLOW_STEP = 0,
    /// Required for every enterprise.
    CTT_REQUIREMENT_REQUIRED = 1,
    /// Required when the enterprise uses one of the action type's services.
    CTT_REQUIREMENT_REQUIRED_FOR_SERVICES = 2,
    /// Optional.
    CTT_REQUIREMENT_OPTIONAL = 3,
}

/// How the outcome of an action reaches the `redirectUrl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_callback_style {
    /// A JSON POST carrying an MSAL authentication result.
    CTT_CALLBACK_STYLE_JSON_POST = 0,
    /// A browser redirect carrying `?success=…` or `?error=…`.
    CTT_CALLBACK_STYLE_QUERY_REDIRECT = 1,
}

struct Names {
    wire: Vec<CString>,
    description: Vec<CString>,
    service: Vec<CString>,
    service_display: Vec<CString>,
}

static NAMES: LazyLock<Names> = LazyLock::new(|| Names {
    wire: ActionType::ALL.iter().map(|t| cstring(t.as_str())).collect(),
    description: ActionType::ALL.iter().map(|t| cstring(t.description())).collect(),
    service: Service::ALL.iter().map(|s| cstring(s.as_str())).collect(),
    service_display: Service::ALL.iter().map(|s| cstring(s.display_name())).collect(),
});

fn service_enum(s: Service) -> ctt_service {
    match s {
        Service::PbxConnector => ctt_service::CTT_SERVICE_PBX_CONNECTOR,
        Service::SmsConnector => ctt_service::CTT_SERVICE_SMS_CONNECTOR,
        Service::CallAppAddon => ctt_service::CTT_SERVICE_CALL_APP_ADDON,
        Service::CallRecordingAddon => ctt_service::CTT_SERVICE_CALL_RECORDING_ADDON,
    }
}

fn service_index(s: Service) -> usize {
    Service::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Points `*out` at the exact wire name of `action_type` (`"GET_CDR_CONSENT"`), a static
/// string.
#[no_mangle]
pub unsafe extern "C" fn ctt_action_type_wire_name(action_type: i32, out: *mut *const c_char) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_cptr(out, "out") }?;
        *out = NAMES.wire[usize::from(action_arg(action_type)?.code())].as_ptr();
        Ok(())
    })
}

/// Sets `*out` to the action type with this exact wire name; `CTT_ERR_INVALID_INPUT` (with a
/// message listing the valid names) for any other string.
#[no_mangle]
pub unsafe extern "C" fn ctt_action_type_from_wire(
    name: *const c_char,
    out: *mut ctt_action_type,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (name, out) = unsafe { (str_arg(name, "name")?, out_val(out, "out")?) };
        *out = ctt_action_type::from_core(ActionType::from_wire(name)?);
        Ok(())
    })
}

/// Points `*out` at one line saying what the Global Admin does with the URL, a static string.
#[no_mangle]
pub unsafe extern "C" fn ctt_action_type_description(
    action_type: i32,
    out: *mut *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_cptr(out, "out") }?;
        *out = NAMES.description[usize::from(action_arg(action_type)?.code())].as_ptr();
        Ok(())
    })
}

/// Sets `*out` to how the API reference classifies `action_type`.
#[no_mangle]
pub unsafe extern "C" fn ctt_action_type_requirement(
    action_type: i32,
    out: *mut ctt_requirement,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_val(out, "out") }?;
        *out = match action_arg(action_type)?.requirement() {
            Requirement::FlowStep => ctt_requirement::CTT_REQUIREMENT_FLOW_STEP,
            Requirement::Required => ctt_requirement::CTT_REQUIREMENT_REQUIRED,
            Requirement::RequiredForServices => ctt_requirement::CTT_REQUIREMENT_REQUIRED_FOR_SERVICES,
            Requirement::Optional => ctt_requirement::CTT_REQUIREMENT_OPTIONAL,
        };
        Ok(())
    })
}

/// Sets `*out` to how the outcome of `action_type` reaches the `redirectUrl`.
#[no_mangle]
pub unsafe extern "C" fn ctt_action_type_callback_style(
    action_type: i32,
    out: *mut ctt_callback_style,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_val(out, "out") }?;
        *out = match action_arg(action_type)?.callback_style() {
            CallbackStyle::JsonPost => ctt_callback_style::CTT_CALLBACK_STYLE_JSON_POST,
            CallbackStyle::QueryRedirect => ctt_callback_style::CTT_CALLBACK_STYLE_QUERY_REDIRECT,
        };
        Ok(())
    })
}

/// Sets `*out_mask` to the services `action_type` serves, as `ctt_service` bits (for
/// `CTT_REQUIREMENT_REQUIRED_FOR_SERVICES`: the services that need it).
#[no_mangle]
pub unsafe extern "C" fn ctt_action_type_services(action_type: i32, out_mask: *mut u32) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_val(out_mask, "out_mask") }?;
        *out = action_arg(action_type)?.services().iter().map(|s| service_bit(*s)).fold(0, |a, b| a | b);
        Ok(())
    })
}

/// Sets `*out_len` to the number of services `action_type` serves (see
/// `ctt_action_type_service` for them in the library's order).
#[no_mangle]
pub unsafe extern "C" fn ctt_action_type_service_count(action_type: i32, out_len: *mut usize) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_val(out_len, "out_len") }?;
        *out = action_arg(action_type)?.services().len();
        Ok(())
    })
}

/// Sets `*out` to service `index` (0-based) of `action_type`, in the library's order;
/// `CTT_ERR_INVALID_INPUT` when out of range.
#[no_mangle]
pub unsafe extern "C" fn ctt_action_type_service(
    action_type: i32,
    index: usize,
    out: *mut ctt_service,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_val(out, "out") }?;
        let services = action_arg(action_type)?.services();
        let s = services
            .get(index)
            .ok_or_else(|| invalid("index", format!("{index} is past the {} services", services.len())))?;
        *out = service_enum(*s);
        Ok(())
    })
}

/// Points `*out` at the stable snake_case name of one service bit (`"pbx_connector"`), a static
/// string.
#[no_mangle]
pub unsafe extern "C" fn ctt_service_name(service: i32, out: *mut *const c_char) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_cptr(out, "out") }?;
        *out = NAMES.service[service_index(service_arg(service)?)].as_ptr();
        Ok(())
    })
}

/// Points `*out` at the product name of one service bit (`"PBX Connector"`), a static string.
#[no_mangle]
pub unsafe extern "C" fn ctt_service_display_name(service: i32, out: *mut *const c_char) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_cptr(out, "out") }?;
        *out = NAMES.service_display[service_index(service_arg(service)?)].as_ptr();
        Ok(())
    })
}

/// Sets `*out` to the service named `name` (`"pbx_connector"`, also `"pbx"`, `"sms"`,
/// `"call_app"`, `"call_recording"`, `-` for `_`, any case).
#[no_mangle]
pub unsafe extern "C" fn ctt_service_from_name(name: *const c_char, out: *mut ctt_service) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (name, out) = unsafe { (str_arg(name, "name")?, out_val(out, "out")?) };
        *out = service_enum(Service::from_name(name)?);
        Ok(())
    })
}

// ---- consent plan ----------------------------------------------------------------------------

/// The ordered action types an enterprise needs for its services: registration first, then
/// required consents, then optional ones (LOGIN_ENTERPRISE_ADMIN is on demand, never planned).
/// Immutable after creation: safe to share between threads.
#[derive(Debug)]
pub struct ctt_consent_plan {
    plan: ConsentPlan,
}

/// Creates the plan for an enterprise using the services in `services_mask` (`ctt_service`
/// bits; 0 plans registration, the always-required consent and the service-independent optional
/// ones). Free it with `ctt_consent_plan_free`.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_plan_new(
    services_mask: u32,
    out: *mut *mut ctt_consent_plan,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_ptr(out, "out") }?;
        let services = services_of_mask(services_mask)?;
        *out = into_handle(ctt_consent_plan { plan: ConsentPlan::for_services(&services) });
        Ok(())
    })
}

/// Frees a plan. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_plan_free(plan: *mut ctt_consent_plan) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(plan) })
}

/// Sets `*out_len` to the number of steps.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_plan_len(
    plan: *const ctt_consent_plan,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (plan, out) = unsafe { (handle(plan, "plan")?, out_val(out_len, "out_len")?) };
        *out = plan.plan.steps().len();
        Ok(())
    })
}

/// Reads step `index` (0-based): its action type and whether the enterprise can do without it.
/// `CTT_ERR_INVALID_INPUT` when `index` is out of range.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_plan_step(
    plan: *const ctt_consent_plan,
    index: usize,
    out_action_type: *mut ctt_action_type,
    out_optional: *mut bool,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (plan, t, o) = unsafe {
            (
                handle(plan, "plan")?,
                out_val(out_action_type, "out_action_type")?,
                out_val(out_optional, "out_optional")?,
            )
        };
        let step = plan.plan.steps().get(index).ok_or_else(|| {
            invalid("index", format!("{index} is past the plan's {} steps", plan.plan.steps().len()))
        })?;
        *t = ctt_action_type::from_core(step.action_type);
        *o = step.optional;
        Ok(())
    })
}

/// Sets `*out` to whether `action_type` is part of the plan.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_plan_contains(
    plan: *const ctt_consent_plan,
    action_type: i32,
    out: *mut bool,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (plan, out) = unsafe { (handle(plan, "plan")?, out_val(out, "out")?) };
        *out = plan.plan.contains(action_arg(action_type)?);
        Ok(())
    })
}

// ---- consent progress ------------------------------------------------------------------------

/// What happened to one step of a plan.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_step_status {
    /// Not reported yet (also for action types outside the plan).
    CTT_STEP_PENDING = 0,
    /// Completed.
    CTT_STEP_DONE = 1,
    /// The last report was a failure (`ctt_consent_progress_failure_message`).
    CTT_STEP_FAILED = 2,
}

/// Tracks a plan as callbacks arrive. Not thread-safe: one thread at a time (use your own lock
/// when several threads record events).
#[derive(Debug)]
pub struct ctt_consent_progress {
    progress: ConsentProgress,
    /// The failure message last handed out, kept alive until the next call that changes it.
    messages: Vec<Option<CString>>,
}

impl ctt_consent_progress {
    fn refresh(&mut self) {
        self.messages = ActionType::ALL
            .iter()
            .map(|t| match self.progress.status_of(*t) {
                StepStatus::Failed(m) => Some(cstring(&m)),
                _ => None,
            })
            .collect();
    }
}

/// Creates a tracker for a copy of `plan` with every step pending. Free it with
/// `ctt_consent_progress_free`.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_progress_new(
    plan: *const ctt_consent_plan,
    out: *mut *mut ctt_consent_progress,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (plan, out) = unsafe { (handle(plan, "plan")?, out_ptr(out, "out")?) };
        let mut p =
            ctt_consent_progress { progress: ConsentProgress::new(plan.plan.clone()), messages: Vec::new() };
        p.refresh();
        *out = into_handle(p);
        Ok(())
    })
}

/// Frees a tracker. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_progress_free(progress: *mut ctt_consent_progress) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(progress) })
}

/// Records a success; `*out_recorded` is false (and nothing is recorded) for a type outside the
/// plan.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_progress_record_success(
    progress: *mut ctt_consent_progress,
    action_type: i32,
    out_recorded: *mut bool,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (p, out) = unsafe { (handle_mut(progress, "progress")?, out_val(out_recorded, "out_recorded")?) };
        *out = p.progress.record_success(action_arg(action_type)?);
        p.refresh();
        Ok(())
    })
}

/// Records a failure with its message (a step already done stays done); `*out_recorded` as for
/// `ctt_consent_progress_record_success`.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_progress_record_failure(
    progress: *mut ctt_consent_progress,
    action_type: i32,
    message: *const c_char,
    out_recorded: *mut bool,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (p, message, out) = unsafe {
            (
                handle_mut(progress, "progress")?,
                str_arg(message, "message")?,
                out_val(out_recorded, "out_recorded")?,
            )
        };
        *out = p.progress.record_failure(action_arg(action_type)?, message);
        p.refresh();
        Ok(())
    })
}

/// Records what a callback event says, when it carries a verified state token (the only
/// trustworthy source of its action type); `*out_recorded` says whether anything was recorded.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_progress_record_event(
    progress: *mut ctt_consent_progress,
    event: *const crate::callback::ctt_event,
    out_recorded: *mut bool,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (p, event, out) = unsafe {
            (
                handle_mut(progress, "progress")?,
                handle(event, "event")?,
                out_val(out_recorded, "out_recorded")?,
            )
        };
        *out = p.progress.record_event(event.core());
        p.refresh();
        Ok(())
    })
}

/// Sets `*out` to the status of one step.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_progress_status(
    progress: *const ctt_consent_progress,
    action_type: i32,
    out: *mut ctt_step_status,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (p, out) = unsafe { (handle(progress, "progress")?, out_val(out, "out")?) };
        *out = match p.progress.status_of(action_arg(action_type)?) {
            StepStatus::Pending => ctt_step_status::CTT_STEP_PENDING,
            StepStatus::Done => ctt_step_status::CTT_STEP_DONE,
            StepStatus::Failed(_) => ctt_step_status::CTT_STEP_FAILED,
        };
        Ok(())
    })
}

/// Points `*out` at the last failure message of a failed step (borrowed: valid until the next
/// `record` call on this tracker or its free), or NULL when the step has not failed.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_progress_failure_message(
    progress: *const ctt_consent_progress,
    action_type: i32,
    out: *mut *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (p, out) = unsafe { (handle(progress, "progress")?, out_cptr(out, "out")?) };
        let t = action_arg(action_type)?;
        *out = p.messages.get(usize::from(t.code())).map_or(std::ptr::null(), opt_ptr);
        Ok(())
    })
}

/// Sets `*out_has_next` to whether a step is not done yet and, if so, `*out_action_type` to
/// the first one in plan order (optional steps included).
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_progress_next(
    progress: *const ctt_consent_progress,
    out_has_next: *mut bool,
    out_action_type: *mut ctt_action_type,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (p, has, t) = unsafe {
            (
                handle(progress, "progress")?,
                out_val(out_has_next, "out_has_next")?,
                out_val(out_action_type, "out_action_type")?,
            )
        };
        let next = p.progress.next();
        *has = next.is_some();
        if let Some(n) = next {
            *t = ctt_action_type::from_core(n);
        }
        Ok(())
    })
}

/// Sets `*out` to whether every non-optional step is done.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_progress_is_complete(
    progress: *const ctt_consent_progress,
    out: *mut bool,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (p, out) = unsafe { (handle(progress, "progress")?, out_val(out, "out")?) };
        *out = p.progress.is_complete();
        Ok(())
    })
}
