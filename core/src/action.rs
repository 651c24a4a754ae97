//! The nine action types of `getActionItemUrl` and what the API reference says about each.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// An `actionType` of `POST /enterprise/getActionItemUrl`.
///
/// ```
/// use ctt_core::{ActionType, CallbackStyle};
/// let t: ActionType = "GET_USER_SYNC_CONSENT".parse().unwrap();
/// assert_eq!(t, ActionType::UserSyncConsent);
/// assert_eq!(t.callback_style(), CallbackStyle::QueryRedirect);
/// assert!("user_sync".parse::<ActionType>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActionType {
    /// `REGISTRATION`: the Global Admin registers the enterprise.
    Registration,
    /// `LOGIN_ENTERPRISE_ADMIN`: the Global Admin logs in, yielding a fresh MSAL token.
    LoginEnterpriseAdmin,
    /// `GET_USER_SYNC_CONSENT`.
    UserSyncConsent,
    /// `GET_PRESENCE_CONSENT`.
    PresenceConsent,
    /// `GET_CALL_APP_CONSENT`.
    CallAppConsent,
    /// `GET_CONTACTS_CONSENT`.
    ContactsConsent,
    /// `GET_CDR_CONSENT`.
    CdrConsent,
    /// `GET_CALL_RECORDING_CONSENT`.
    CallRecordingConsent,
    /// `GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT`.
    ServiceProviderManagementConsent,
}

/// The ConnectToTeams services an enterprise can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    /// PBX Connector.
    PbxConnector,
    /// SMS Connector.
    SmsConnector,
    /// CallApp Add-on.
    CallAppAddon,
    /// Call Recording Add-on.
    CallRecordingAddon,
}

/// How the reference classifies an action type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// A step of the flow itself (REGISTRATION, LOGIN_ENTERPRISE_ADMIN), not a consent.
    FlowStep,
    /// Required for every enterprise.
    Required,
    /// Required when the enterprise uses one of [`ActionType::services`].
    RequiredForServices,
    /// Optional.
    Optional,
}

/// How the outcome of an action reaches the `redirectUrl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallbackStyle {
    /// A JSON POST carrying an MSAL authentication result.
    JsonPost,
    /// A browser redirect carrying `?success=…` or `?error=…`.
    QueryRedirect,
}

use Service::*;

const ALL_SERVICES: &[Service] = &[PbxConnector, SmsConnector, CallAppAddon, CallRecordingAddon];
const CALLING_SERVICES: &[Service] = &[PbxConnector, CallAppAddon, CallRecordingAddon];

impl ActionType {
    /// All nine, in the order of the reference table.
    pub const ALL: [ActionType; 9] = [
        ActionType::Registration,
        ActionType::LoginEnterpriseAdmin,
        ActionType::UserSyncConsent,
        ActionType::PresenceConsent,
        ActionType::CallAppConsent,
        ActionType::ContactsConsent,
        ActionType::CdrConsent,
        ActionType::CallRecordingConsent,
        ActionType::ServiceProviderManagementConsent,
    ];

    /// The exact wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionType::Registration => "REGISTRATION",
            ActionType::LoginEnterpriseAdmin => "LOGIN_ENTERPRISE_ADMIN",
            ActionType::UserSyncConsent => "GET_USER_SYNC_CONSENT",
            ActionType::PresenceConsent => "GET_PRESENCE_CONSENT",
            ActionType::CallAppConsent => "GET_CALL_APP_CONSENT",
            ActionType::ContactsConsent => "GET_CONTACTS_CONSENT",
            ActionType::CdrConsent => "GET_CDR_CONSENT",
            ActionType::CallRecordingConsent => "GET_CALL_RECORDING_CONSENT",
            ActionType::ServiceProviderManagementConsent => "GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT",
        }
    }

    /// The action type with this exact wire name; the error lists the valid names.
    pub fn from_wire(name: &str) -> Result<ActionType> {
        ActionType::ALL.into_iter().find(|t| t.as_str() == name).ok_or_else(|| {
            let valid: Vec<&str> = ActionType::ALL.iter().map(|t| t.as_str()).collect();
            Error::invalid_input(
                "actionType",
                format!("unknown action type {name:?}; expected one of {}", valid.join(", ")),
            )
        })
    }

    /// A stable small integer (0–8, reference order), used in state tokens and C enums.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The action type with this [`code`](ActionType::code).
    pub fn from_code(code: u8) -> Option<ActionType> {
        ActionType::ALL.get(usize::from(code)).copied()
    }

    /// How the reference classifies it.
    pub fn requirement(self) -> Requirement {
        match self {
            ActionType::Registration | ActionType::LoginEnterpriseAdmin => Requirement::FlowStep,
            ActionType::UserSyncConsent => Requirement::Required,
            ActionType::PresenceConsent | ActionType::CallAppConsent | ActionType::CallRecordingConsent => {
                Requirement::RequiredForServices
            }
            ActionType::ContactsConsent
            | ActionType::CdrConsent
            | ActionType::ServiceProviderManagementConsent => Requirement::Optional,
        }
    }

    /// The services it serves (for [`Requirement::RequiredForServices`], the ones that need it).
    pub fn services(self) -> &'static [Service] {
        match self {
            ActionType::PresenceConsent => CALLING_SERVICES,
            ActionType::CallAppConsent => &[CallAppAddon],
            ActionType::CallRecordingConsent => &[CallRecordingAddon],
            ActionType::ContactsConsent => &[PbxConnector, CallAppAddon, SmsConnector],
            ActionType::CdrConsent => CALLING_SERVICES,
            ActionType::Registration
            | ActionType::LoginEnterpriseAdmin
            | ActionType::UserSyncConsent
            | ActionType::ServiceProviderManagementConsent => ALL_SERVICES,
        }
    }

    /// How its outcome reaches the `redirectUrl`.
    pub fn callback_style(self) -> CallbackStyle {
        match self {
            ActionType::Registration | ActionType::LoginEnterpriseAdmin => CallbackStyle::JsonPost,
            _ => CallbackStyle::QueryRedirect,
        }
    }

    /// One line saying what the Global Admin does with the URL.
    pub fn description(self) -> &'static str {
        match self {
            ActionType::Registration => {
                "Start the enterprise registration; the webhook receives an MSAL token."
            }
            ActionType::LoginEnterpriseAdmin => {
                "Log the Global Admin in to obtain a fresh MSAL token (e.g. for app deployment or user sync)."
            }
            ActionType::UserSyncConsent => {
                "Consent to reading and updating Teams users, needed to configure PBX and SMS services."
            }
            ActionType::PresenceConsent => "Consent to reading the presence status of Teams users.",
            ActionType::CallAppConsent => "Consent to the Teams access the CallApp Add-on needs.",
            ActionType::ContactsConsent => "Consent to syncing Outlook and organization contacts.",
            ActionType::CdrConsent => "Consent to reading Teams call records, to debug call issues.",
            ActionType::CallRecordingConsent => {
                "Consent to Call Recording, including creating the Compliance Recording Policy."
            }
            ActionType::ServiceProviderManagementConsent => {
                "Consent to the service provider doing most management tasks on the admin's behalf."
            }
        }
    }
}

impl fmt::Display for ActionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionType {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        ActionType::from_wire(s)
    }
}

impl Service {
    /// All four.
    pub const ALL: [Service; 4] = [PbxConnector, SmsConnector, CallAppAddon, CallRecordingAddon];

    /// The stable snake_case name (`"pbx_connector"`).
    pub fn as_str(self) -> &'static str {
        match self {
            PbxConnector => "pbx_connector",
            SmsConnector => "sms_connector",
            CallAppAddon => "call_app_addon",
            CallRecordingAddon => "call_recording_addon",
        }
    }

    /// The product name (`"PBX Connector"`).
    pub fn display_name(self) -> &'static str {
        match self {
            PbxConnector => "PBX Connector",
            SmsConnector => "SMS Connector",
            CallAppAddon => "CallApp Add-on",
            CallRecordingAddon => "Call Recording Add-on",
        }
    }

    /// Parses the snake_case name, also accepting `pbx`, `sms`, `call_app`, `call_recording`
    /// and `-` for `_`, in any case.
    pub fn from_name(name: &str) -> Result<Service> {
        let n = name.trim().to_ascii_lowercase().replace('-', "_");
        Service::ALL
            .into_iter()
            .find(|s| {
                let full = s.as_str();
                n == full || Some(n.as_str()) == full.strip_suffix("_connector").or(full.strip_suffix("_addon"))
            })
            .ok_or_else(|| {
                Error::invalid_input(
                    "services",
                    format!("unknown service {name:?}; expected pbx_connector, sms_connector, call_app_addon or call_recording_addon"),
                )
            })
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Service {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Service::from_name(s)
    }
}

impl Requirement {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Requirement::FlowStep => "flow_step",
            Requirement::Required => "required",
            Requirement::RequiredForServices => "required_for_services",
            Requirement::Optional => "optional",
        }
    }
}

impl CallbackStyle {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackStyle::JsonPost => "json_post",
            CallbackStyle::QueryRedirect => "query_redirect",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_codes_are_dense() {
        for (i, t) in ActionType::ALL.into_iter().enumerate() {
            assert_eq!(ActionType::from_wire(t.as_str()).unwrap(), t);
            assert_eq!(usize::from(t.code()), i);
            assert_eq!(ActionType::from_code(t.code()), Some(t));
        }
        assert_eq!(ActionType::from_code(9), None);
    }

    #[test]
    fn unknown_name_lists_valid_ones() {
        let e = ActionType::from_wire("registration").unwrap_err();
        assert_eq!(e.field(), Some("actionType"));
        assert!(e.message().contains("GET_CDR_CONSENT"));
    }

    #[test]
    fn service_aliases() {
        assert_eq!(Service::from_name("PBX").unwrap(), PbxConnector);
        assert_eq!(Service::from_name("call-recording").unwrap(), CallRecordingAddon);
        assert_eq!(Service::from_name("call_app_addon").unwrap(), CallAppAddon);
        assert!(Service::from_name("fax").is_err());
    }
}
