"""The shape of the API: enums and metadata, plans and progress, state tokens, callbacks,
exceptions, logging, packaging."""

from __future__ import annotations

import logging
import pickle
from datetime import datetime, timezone
from pathlib import Path

import pytest

import ctt
import ctt.testing

KEY = bytes(range(32))


def test_installed_from_the_wheel_not_the_source_tree() -> None:
    here = Path(__file__).resolve().parents[1]
    assert "site-packages" in ctt.__file__, ctt.__file__
    assert here not in Path(ctt.__file__).resolve().parents
    assert (Path(ctt.__file__).parent / "py.typed").exists()
    assert (Path(ctt.__file__).parent / "_native.pyi").exists()
    assert ctt.__version__ and ctt.USER_AGENT.startswith("ctt/")


def test_action_types_are_wire_names_with_metadata() -> None:
    assert [t.value for t in ctt.ActionType][:2] == ["REGISTRATION", "LOGIN_ENTERPRISE_ADMIN"]
    assert len(ctt.ActionType) == 9
    t = ctt.ActionType("GET_CALL_RECORDING_CONSENT")
    assert t is ctt.ActionType.CALL_RECORDING_CONSENT and t == "GET_CALL_RECORDING_CONSENT"
    assert str(t) == t.wire_name == "GET_CALL_RECORDING_CONSENT"
    assert t.requirement is ctt.Requirement.REQUIRED_FOR_SERVICES
    assert t.services == (ctt.Service.CALL_RECORDING_ADDON,)
    assert t.callback_style is ctt.CallbackStyle.QUERY_REDIRECT
    assert ctt.ActionType.REGISTRATION.callback_style is ctt.CallbackStyle.JSON_POST
    assert [a.code for a in ctt.ActionType] == list(range(9))
    assert "Compliance Recording Policy" in t.description
    with pytest.raises(ctt.InvalidInputError) as info:
        ctt.ActionType("registration")
    assert info.value.field == "actionType" and "GET_CDR_CONSENT" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert ctt.Service("PBX") is ctt.Service.PBX_CONNECTOR
    assert ctt.Service.SMS_CONNECTOR.display_name == "SMS Connector"
    with pytest.raises(ctt.InvalidInputError):
        ctt.Service("fax")


def test_consent_plan_and_progress() -> None:
    plan = ctt.consent_plan([ctt.Service.SMS_CONNECTOR])
    assert plan.action_types[:2] == (ctt.ActionType.REGISTRATION, ctt.ActionType.USER_SYNC_CONSENT)
    assert ctt.ActionType.PRESENCE_CONSENT not in plan and "REGISTRATION" in plan
    assert [s.optional for s in plan] == [False, False, True, True]
    assert ctt.ConsentPlan("sms").action_types == plan.action_types
    p = ctt.ConsentProgress(plan)
    assert p.next is ctt.ActionType.REGISTRATION
    assert not p.record_success(ctt.ActionType.CALL_RECORDING_CONSENT)
    p.record_success("REGISTRATION")
    p.record_failure(ctt.ActionType.USER_SYNC_CONSENT, "User is not a Global Admin")
    assert p.failed == [(ctt.ActionType.USER_SYNC_CONSENT, "User is not a Global Admin")]
    assert p.status_of("GET_USER_SYNC_CONSENT") is ctt.StepStatus.FAILED
    assert not p.is_complete
    p.record_success(ctt.ActionType.USER_SYNC_CONSENT)
    assert p.is_complete and p.done == (ctt.ActionType.REGISTRATION, ctt.ActionType.USER_SYNC_CONSENT)
    assert p.remaining == (ctt.ActionType.CONTACTS_CONSENT, ctt.ActionType.SERVICE_PROVIDER_MANAGEMENT_CONSENT)


def test_progress_records_only_verified_events() -> None:
    signer = ctt.FlowSigner(KEY)
    p = ctt.consent_plan().progress()
    unverified = ctt.handle_callback("GET", "/cb?success=ok")
    assert not p.record_event(unverified)
    token = signer.issue("GET_USER_SYNC_CONSENT", "Acme")
    ev = ctt.handle_callback("GET", f"/cb?ctt_state={token}&success=ok", signer=signer)
    assert p.record_event(ev) and p.done == (ctt.ActionType.USER_SYNC_CONSENT,)


def test_flow_signer_round_trip_rotation_and_rejections() -> None:
    old = ctt.FlowSigner(bytes(32))
    signer = ctt.FlowSigner(KEY, previous_keys=[bytes(32)], ttl=60, replay_guard=True)
    assert signer.ttl == 60
    tok = signer.issue(ctt.ActionType.CDR_CONSENT, "  Acme  ")
    st = signer.verify(tok)
    assert st.action_type is ctt.ActionType.CDR_CONSENT and st.enterprise_name == "Acme"
    assert st.issued_at.tzinfo is not None and len(st.nonce) == 16 and st.nonce.hex() == st.nonce_hex
    with pytest.raises(ctt.StateRejectedError) as info:
        signer.verify(tok)
    assert info.value.reason == "replayed"
    assert signer.verify(old.issue("REGISTRATION", "Acme")).enterprise_name == "Acme"
    past = signer.issue_at("REGISTRATION", "Acme", datetime(2020, 1, 1, tzinfo=timezone.utc), bytes(16))
    with pytest.raises(ctt.StateRejectedError) as info:
        signer.verify(past)
    assert info.value.reason == "expired"
    assert signer.verify_at(past, 1577836800 + 10).issued_at == datetime(2020, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(ctt.InvalidInputError) as info2:
        ctt.FlowSigner(b"short")
    assert info2.value.field == "stateKey"
    with pytest.raises(ctt.InvalidInputError):
        ctt.FlowSigner("a str key is refused" * 3)  # type: ignore[arg-type]


def test_handle_callback_forms() -> None:
    body = b'{"msalAuthenticationResult":{"authenticationResult":{"accessToken":"tok"}}}'
    for headers in ({"content-type": "application/json"}, [("Content-Type", "application/json")], None):
        ev = ctt.handle_callback("POST", "https://me.example/cb", headers, body)
        assert isinstance(ev, ctt.AuthenticatedEvent) and ev.result.access_token.expose() == "tok"
    ev2 = ctt.handle_callback(
        "POST", "/cb", {"Content-Type": "application/x-www-form-urlencoded"}, "error=access_denied&error_description=No"
    )
    assert isinstance(ev2, ctt.ConsentFailedEvent)
    assert (ev2.error_code, ev2.message, ev2.param("error")) == ("access_denied", "No", "access_denied")
    ev3 = ctt.handle_callback("GET", "/cb?flow=1?success=User Sync Consent Completed Successfully")
    assert isinstance(ev3, ctt.ConsentSucceededEvent)
    assert ev3.message == "User Sync Consent Completed Successfully" and ev3.path == "/cb"
    assert ev3.to_dict()["kind"] == "consent_succeeded"
    with pytest.raises(ctt.MethodNotAllowedError):
        ctt.handle_callback("PUT", "/cb?success=x")
    with pytest.raises(ctt.PayloadTooLargeError):
        ctt.CallbackHandler(body_limit=10).handle("POST", "/cb", None, b"x" * 11)
    with pytest.raises(ctt.MalformedCallbackError):
        ctt.handle_callback("GET", "/cb?nothing=here")
    with pytest.raises(ctt.StateRejectedError) as info:
        ctt.handle_callback("GET", "/cb?success=ok", signer=ctt.FlowSigner(KEY))
    assert info.value.reason == "missing"


def test_parsers_on_their_own() -> None:
    r = ctt.parse_consent_redirect("https://me.example/cb?error=Unable to Complete the process.")
    assert not r.succeeded and r.message == "Unable to Complete the process."
    assert ctt.parse_query_lenient("a=1&b=x y") == [("a", "1"), ("b", "x y")]
    a = ctt.parse_action_url_response(200, '"https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=abc"')
    assert a.url.startswith("https://login") and a.consent.client_id == "abc" and str(a) == a.url
    with pytest.raises(ctt.RateLimitedError) as info:
        ctt.parse_action_url_response(429, "", "7")
    assert info.value.retry_after == 7.0 and info.value.status == 429
    assert ctt.parse_retry_after("12") == 12.0
    assert ctt.inspect_consent_url("https://x.example/oauth2/authorize?scope=a b").scopes == ["a", "b"]
    assert ctt.validate_enterprise_name("  Acme ") == "Acme"
    with pytest.raises(ctt.InvalidInputError) as e:
        ctt.validate_redirect_url("http://example.com/cb")
    assert e.value.field == "redirectUrl"
    assert ctt.derive_expiry(1742985175242681, received_at=0) == (1742985175, "epoch_micros")
    assert ctt.decode_claims("not-a-jwt") is None


def test_exception_hierarchy() -> None:
    kinds = {
        ctt.InvalidInputError: "invalid_input",
        ctt.UnauthorizedError: "unauthorized",
        ctt.ForbiddenError: "forbidden",
        ctt.NotFoundError: "not_found",
        ctt.RateLimitedError: "rate_limited",
        ctt.ServerError: "server",
        ctt.UnexpectedStatusError: "unexpected_status",
        ctt.TransportError: "transport",
        ctt.TimeoutError: "timeout",
        ctt.MalformedResponseError: "malformed_response",
        ctt.MalformedCallbackError: "malformed_callback",
        ctt.MethodNotAllowedError: "method_not_allowed",
        ctt.PayloadTooLargeError: "payload_too_large",
        ctt.StateRejectedError: "state_rejected",
        ctt.InternalError: "internal",
    }
    for cls, kind in kinds.items():
        assert issubclass(cls, ctt.CttError) and cls.kind == kind and cls.__module__ == "ctt"
    assert issubclass(ctt.InvalidInputError, ValueError)
    assert issubclass(ctt.TimeoutError, TimeoutError)
    assert not issubclass(ctt.ServerError, ValueError)
    for attr in ("status", "retry_after", "field", "reason", "body_snippet"):
        assert getattr(ctt.CttError, attr) is None


def test_client_configuration_errors() -> None:
    with pytest.raises(ctt.InvalidInputError):
        ctt.Client("https://api.example")  # no credentials
    with pytest.raises(ctt.InvalidInputError):
        ctt.Client("https://api.example", token="t", username="u")
    with pytest.raises(ctt.InvalidInputError):
        ctt.Client("https://api.example", client_id="c", username="u")  # incomplete grant
    with pytest.raises(ctt.InvalidInputError):
        ctt.Client("not a url", token="t")
    with pytest.raises(ctt.InvalidInputError):
        ctt.Client("https://api.example", token="t", timeout=-1)
    c = ctt.Client("https://api.example", token=ctt.Secret("t"))
    assert c.base_url == "https://api.example/" and not c.closed


def test_secret() -> None:
    s = ctt.Secret("hunter2")
    assert repr(s) == str(s) == f"{s}" == "[REDACTED]" and s.expose() == "hunter2"
    assert s == ctt.Secret("hunter2") and s != ctt.Secret("hunter3") and s != "hunter2"
    with pytest.raises((TypeError, ValueError)):
        pickle.dumps(s)
    with pytest.raises(TypeError):
        hash(s)


def test_logging_goes_to_the_ctt_logger(
    caplog: pytest.LogCaptureFixture, mock: ctt.testing.MockServer, client: ctt.Client
) -> None:
    caplog.set_level(logging.DEBUG, logger="ctt")
    mock.push_fault("action_url", "status:503")
    client.get_action_item_url("GET_CDR_CONSENT", "Log Corp", "https://p.example/cb")
    records = [r for r in caplog.records if r.name == "ctt"]
    messages = [r.getMessage() for r in records]
    assert any("got action URL" in m and "Log Corp" in m for m in messages), messages
    assert any(r.levelno == logging.DEBUG and "retrying" in r.getMessage() for r in records), messages
    assert all(ctt.testing.DEMO_TOKEN not in m for m in messages)
    assert all(getattr(r, "ctt_target", "").startswith("ctt") for r in records)
