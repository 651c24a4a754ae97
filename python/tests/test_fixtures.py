"""Every case of tests/fixtures/cases through the Python API, judged as the Rust runner does
(format in tests/fixtures/README.md)."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Optional

import pytest

import ctt
from conftest import FIXTURES


def load_cases() -> List[Dict[str, Any]]:
    cases: List[Dict[str, Any]] = []
    for f in sorted(FIXTURES.glob("*.json")):
        cases.extend(json.loads(f.read_text(encoding="utf-8"))["cases"])
    return cases


CASES = load_cases()


def test_the_fixtures_are_there() -> None:
    assert len(CASES) >= 60, f"only {len(CASES)} cases under {FIXTURES}"


def consent_json(ev: Any) -> Dict[str, Any]:
    r = ev.redirect if not isinstance(ev, ctt.ConsentRedirect) else ev
    return {
        "event": "consent_succeeded" if r.succeeded else "consent_failed",
        "message": r.message,
        "error_code": r.error_code,
        "error_subcode": r.error_subcode,
        "path": r.path,
        "params": [[k, v] for k, v in r.params],
    }


def auth_json(r: ctt.AuthenticationResult) -> Dict[str, Any]:
    user = r.user_info
    claims = r.claims
    return {
        "event": "authenticated",
        "access_token": r.access_token.expose(),
        "id_token": r.id_token.expose() if r.id_token is not None else None,
        "refresh_token": r.refresh_token.expose() if r.refresh_token is not None else None,
        "access_token_type": r.access_token_type,
        "expires_on_raw": r.expires_on_raw,
        "expires_at": r.expires_at_unix,
        "expiry_source": r.expiry_source,
        "organization": r.organization,
        "office_user_type": r.office_user_type,
        "company_admin": r.company_admin,
        "contains_teams_tenant_admin_api": r.contains_teams_tenant_admin_api,
        "tenant_id": r.effective_tenant_id,
        "tenant_mismatch": r.tenant_mismatch,
        "user": None
        if user is None
        else {
            "displayable_id": user.displayable_id,
            "identity_provider": user.identity_provider,
            "tenant_id": user.tenant_id,
        },
        "claims": None
        if claims is None
        else {
            "tid": claims.tid,
            "oid": claims.oid,
            "upn": claims.upn,
            "preferred_username": claims.preferred_username,
            "scopes": list(claims.scopes),
            "exp": claims.exp,
        },
    }


def consent_url_json(c: ctt.ConsentUrl) -> Dict[str, Any]:
    return {
        "host": c.host,
        "is_authorize": c.is_authorize,
        "client_id": c.client_id,
        "response_type": c.response_type,
        "response_mode": c.response_mode,
        "scopes": list(c.scopes),
        "state": c.state,
        "nonce": c.nonce,
        "redirect_uri": c.redirect_uri,
    }


def body_of(inp: Dict[str, Any]) -> bytes:
    fill = inp.get("body_fill")
    if fill:
        return fill["byte"].encode()[:1] * fill["len"]
    if "body_json" in inp:
        return json.dumps(inp["body_json"], separators=(",", ":"), ensure_ascii=False).encode()
    return (inp.get("body") or "").encode()


def signer_of(inp: Dict[str, Any]) -> ctt.FlowSigner:
    kw: Dict[str, Any] = {}
    if inp.get("ttl_secs") is not None:
        kw["ttl"] = float(inp["ttl_secs"])
    return ctt.FlowSigner(
        bytes.fromhex(inp["key_hex"]),
        previous_keys=[bytes.fromhex(k) for k in inp.get("previous_keys_hex") or []],
        replay_guard=bool(inp.get("replay_guard")),
        **kw,
    )


def run(inp: Dict[str, Any]) -> Dict[str, Any]:
    kind = inp["kind"]
    if kind == "action_type":
        t = ctt.ActionType(inp["wire"])
        return {
            "wire": t.value,
            "code": t.code,
            "requirement": t.requirement.value,
            "callback_style": t.callback_style.value,
            "services": [s.value for s in t.services],
        }
    if kind == "consent_plan":
        services = [ctt.Service(s) for s in inp["services"]]
        plan = ctt.consent_plan(services)
        return {"steps": [{"action_type": s.action_type.value, "optional": s.optional} for s in plan]}
    if kind == "validate":
        validators: Dict[str, Callable[[str], str]] = {
            "enterpriseName": ctt.validate_enterprise_name,
            "redirectUrl": ctt.validate_redirect_url,
        }
        return {"value": validators[inp["field"]](inp["value"])}
    if kind == "redirect":
        return consent_json(ctt.parse_consent_redirect(inp["url"]))
    if kind == "auth_result":
        return auth_json(ctt.parse_authentication_result(body_of(inp), received_at=inp["received_at"]))
    if kind == "callback":
        headers = {"Content-Type": inp["content_type"]} if inp.get("content_type") is not None else None
        kw: Dict[str, Any] = {}
        if inp.get("body_limit") is not None:
            kw["body_limit"] = inp["body_limit"]
        ev = ctt.handle_callback(inp["method"], inp["url"], headers, body_of(inp), **kw)
        if isinstance(ev, ctt.AuthenticatedEvent):
            return auth_json(ev.result)
        return consent_json(ev)
    if kind == "action_url_response":
        a = ctt.parse_action_url_response(inp["status"], inp["body"], inp.get("retry_after"))
        return {"url": a.url, "consent": consent_url_json(a.consent)}
    if kind == "consent_url":
        return consent_url_json(ctt.inspect_consent_url(inp["url"]))
    if kind == "state_issue":
        token = signer_of(inp).issue_at(
            inp["action_type"], inp["enterprise_name"], inp["issued_at"], bytes.fromhex(inp["nonce_hex"])
        )
        return {"token": token}
    if kind == "state_verify":
        signer = signer_of(inp)
        last: Optional[Exception] = None
        state: Optional[ctt.FlowState] = None
        for _ in range(int(inp.get("repeat") or 1)):
            try:
                state, last = signer.verify_at(inp["token"], inp["now"]), None
            except ctt.CttError as e:
                state, last = None, e
        if last is not None:
            raise last
        assert state is not None
        return {
            "action_type": state.action_type.value,
            "enterprise_name": state.enterprise_name,
            "issued_at": int(state.issued_at.timestamp()),
            "nonce_hex": state.nonce_hex,
        }
    raise AssertionError(f"unknown input kind {kind}")


def subset(expected: Any, actual: Any, present: bool, path: str) -> None:
    if expected is None and (not present or actual is None):
        return
    assert present, f"{path}: expected {expected!r}, got nothing"
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        for k, v in expected.items():
            subset(v, actual.get(k), k in actual, f"{path}.{k}")
        return
    if isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{path}: {expected!r} != {actual!r}"
        for i, (x, y) in enumerate(zip(expected, actual)):
            subset(x, y, True, f"{path}[{i}]")
        return
    # JSON equality: bool is not int
    assert type(expected) is type(actual) or (
        isinstance(expected, (int, float)) and isinstance(actual, (int, float))
        and not isinstance(expected, bool) and not isinstance(actual, bool)
    ), f"{path}: expected {expected!r}, got {actual!r}"
    assert expected == actual, f"{path}: expected {expected!r}, got {actual!r}"


def error_json(e: ctt.CttError) -> Dict[str, Any]:
    return {
        "kind": e.kind,
        "field": e.field,
        "status": e.status,
        "retry_after_secs": int(e.retry_after) if e.retry_after is not None else None,
        "rejection": e.reason,
        "message": e.message,
    }


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_fixture_case(case: Dict[str, Any]) -> None:
    expect = case["expect"]
    try:
        got = run(case["input"])
    except ctt.CttError as e:
        assert "error" in expect, f"expected ok, got {type(e).__name__}: {e}"
        actual = error_json(e)
        for k, v in expect["error"].items():
            if k == "message_contains":
                assert v in actual["message"], f"message {actual['message']!r} lacks {v!r}"
            else:
                subset(v, actual.get(k), k in actual, k)
        # The class matches the kind, and the builtin bases the kind promises are there.
        assert type(e).__name__ != "CttError"
        if e.kind == "invalid_input":
            assert isinstance(e, ValueError)
        return
    assert "ok" in expect, f"expected an error, got {got!r}"
    subset(expect["ok"], got, True, "ok")
