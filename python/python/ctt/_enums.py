"""The enumerations of ctt. Their values are the stable names ctt-core uses; the metadata of an
action type comes from ctt-core through the native module (nothing is decided here)."""

from __future__ import annotations

import enum
from typing import Tuple


class Service(str, enum.Enum):
    """A ConnectToTeams service an enterprise can use."""

    PBX_CONNECTOR = "pbx_connector"
    SMS_CONNECTOR = "sms_connector"
    CALL_APP_ADDON = "call_app_addon"
    CALL_RECORDING_ADDON = "call_recording_addon"

    @property
    def display_name(self) -> str:
        """The product name, e.g. ``"PBX Connector"``."""
        from . import _native

        return _native._service_display_name(self.value)

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> Service:
        # Core's parser: aliases (``pbx``, ``call-recording``) map to a member, anything else
        # raises ctt.InvalidInputError (a ValueError) naming the valid names.
        from . import _native

        return cls(_native._service_name(value))


class Requirement(str, enum.Enum):
    """How the API reference classifies an action type."""

    FLOW_STEP = "flow_step"
    REQUIRED = "required"
    REQUIRED_FOR_SERVICES = "required_for_services"
    OPTIONAL = "optional"

    def __str__(self) -> str:
        return self.value


class CallbackStyle(str, enum.Enum):
    """How the outcome of an action reaches the redirect URL."""

    JSON_POST = "json_post"
    QUERY_REDIRECT = "query_redirect"

    def __str__(self) -> str:
        return self.value


class StepStatus(str, enum.Enum):
    """What happened to one step of a consent plan."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


class ActionType(str, enum.Enum):
    """An ``actionType`` of ``POST /enterprise/getActionItemUrl``; the value is the wire name.

    ``ActionType("GET_CDR_CONSENT") is ActionType.CDR_CONSENT``.
    """

    REGISTRATION = "REGISTRATION"
    LOGIN_ENTERPRISE_ADMIN = "LOGIN_ENTERPRISE_ADMIN"
    USER_SYNC_CONSENT = "GET_USER_SYNC_CONSENT"
    PRESENCE_CONSENT = "GET_PRESENCE_CONSENT"
    CALL_APP_CONSENT = "GET_CALL_APP_CONSENT"
    CONTACTS_CONSENT = "GET_CONTACTS_CONSENT"
    CDR_CONSENT = "GET_CDR_CONSENT"
    CALL_RECORDING_CONSENT = "GET_CALL_RECORDING_CONSENT"
    SERVICE_PROVIDER_MANAGEMENT_CONSENT = "GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> ActionType:
        # Core's parser raises ctt.InvalidInputError (a ValueError) listing the valid names.
        from . import _native

        _native._action_info(value)
        raise AssertionError("unreachable: every valid wire name is a member")

    @property
    def wire_name(self) -> str:
        """The exact wire name (the same as ``value``)."""
        return self.value

    @property
    def code(self) -> int:
        """A stable small integer (0-8, reference order), as in state tokens and C enums."""
        from . import _native

        return _native._action_info(self.value)[0]

    @property
    def requirement(self) -> Requirement:
        """How the reference classifies it."""
        from . import _native

        return Requirement(_native._action_info(self.value)[1])

    @property
    def services(self) -> Tuple[Service, ...]:
        """The services it serves (for REQUIRED_FOR_SERVICES, the ones that need it)."""
        from . import _native

        return tuple(Service(s) for s in _native._action_info(self.value)[2])

    @property
    def callback_style(self) -> CallbackStyle:
        """How its outcome reaches the redirect URL."""
        from . import _native

        return CallbackStyle(_native._action_info(self.value)[3])

    @property
    def description(self) -> str:
        """One line saying what the Global Admin does with the URL."""
        from . import _native

        return _native._action_info(self.value)[4]
