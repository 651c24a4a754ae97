"""repr/str of every public object, built on known secret strings, contains none of them."""

from __future__ import annotations

import base64
import json
from typing import Any, List

import pytest

import ctt
import ctt.testing

SECRETS = [
    "S3CRET-ACCESS-TOKEN",
    "S3CRET-ID-TOKEN",
    "S3CRET-REFRESH-TOKEN",
    "S3CRET-BEARER",
    "S3CRET-CLIENT-SECRET",
    "S3CRET-PASSWORD",
    "S3CRET-STATE-KEY-0123456789abcdef",
]
KEY = SECRETS[-1].encode()


def jwt(claims: dict) -> str:
    def enc(d: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")

    return f"{enc({'alg': 'none'})}.{enc(claims)}.S3CRET-SIGNATURE"


ACCESS = jwt({"tid": "t-1", "exp": 2000000000, "upn": "ga@contoso.example"}) + SECRETS[0]
BODY = json.dumps(
    {
        "msalAuthenticationResult": {
            "authenticationResult": {
                "accessToken": ACCESS,
                "idToken": SECRETS[1],
                "refreshToken": SECRETS[2],
                "expiresOn": 1742985175,
                "userInfo": {"displayableId": "ga@contoso.example", "tenantId": "t-1"},
            },
            "tenantId": "t-1",
        },
        "organization": "Contoso",
        "officeUserType": "GLOBAL_ADMIN",
    }
)


def check(objs: List[Any]) -> None:
    for o in objs:
        for text in (repr(o), str(o)):
            for s in SECRETS + [ACCESS, KEY.hex(), "S3CRET"]:
                assert s not in text, f"{type(o).__name__}: {text}"


def test_every_public_object(mock: ctt.testing.MockServer) -> None:
    signer = ctt.FlowSigner(KEY, previous_keys=[KEY[::-1]], replay_guard=True)
    objs: List[Any] = [ctt.Secret(s) for s in SECRETS]
    objs += [signer, ctt.CallbackHandler(signer=signer)]
    client = ctt.Client(mock.base_url, token=SECRETS[3])
    grant = ctt.Client(
        mock.base_url,
        client_id="cid",
        client_secret=SECRETS[4],
        username="user",
        password=ctt.Secret(SECRETS[5]),
        max_attempts=1,
    )
    aclient = ctt.AsyncClient(mock.base_url, token=SECRETS[3])
    agrant = ctt.AsyncClient(mock.base_url, client_id="c", client_secret=SECRETS[4], username="u", password=SECRETS[5])
    objs += [client, grant, aclient, agrant]

    ev = ctt.handle_callback("POST", "/cb", {"Content-Type": "application/json"}, BODY)
    assert isinstance(ev, ctt.AuthenticatedEvent)
    r = ev.result
    assert r.access_token.expose() == ACCESS and r.refresh_token is not None
    objs += [ev, r, r.access_token, r.id_token, r.refresh_token, r.user_info, r.claims, ev.to_dict(), ev.to_json()]
    objs.append(ctt.parse_authentication_result(BODY))
    objs.append(ctt.decode_claims(ACCESS))

    tok = signer.issue("GET_CDR_CONSENT", "Contoso")
    consent = ctt.handle_callback("GET", f"/cb?ctt_state={tok}&success=ok", signer=ctt.FlowSigner(KEY))
    failed = ctt.handle_callback("GET", "/cb?error=no")
    assert isinstance(failed, ctt.ConsentFailedEvent)
    objs += [consent, consent.state, failed, failed.redirect, ctt.parse_consent_redirect("/cb?success=x")]

    plan = ctt.consent_plan(list(ctt.Service))
    objs += [plan, plan.progress(), plan.steps[0], list(ctt.ActionType), list(ctt.Service)]

    # The mock with secret accounts and tokens; requests made with them are logged redacted.
    with ctt.testing.MockServer(
        accounts=[("cid", SECRETS[4], "user", SECRETS[5])], static_tokens=[SECRETS[3]]
    ) as m2:
        c2 = ctt.Client(m2.base_url, token=SECRETS[3])
        g2 = ctt.Client(m2.base_url, client_id="cid", client_secret=SECRETS[4], username="user", password=SECRETS[5])
        req = ctt.ActionUrlRequest("GET_CDR_CONSENT", "Contoso", "http://127.0.0.1:9/cb", state=signer)
        url = c2.get_action_item_url("GET_CDR_CONSENT", "Contoso", "https://p.example/cb")
        token = g2.fetch_token()
        objs += [m2, req, url, url.consent, token, token.token, c2.get_action_item_urls([req])]
        with ctt.Listener(signer=signer) as listener:
            u2 = g2.get_action_item_url("REGISTRATION", "Contoso", listener.callback_url, state=signer)
            delivery = m2.consent(u2, "approve")
            got = listener.wait(timeout=30)
            objs += [listener, delivery, delivery.response_body, got, got.to_json()]
        recorded = m2.requests()
        assert any(q.endpoint == "token" for q in recorded)
        objs += recorded + [q.headers for q in recorded] + [q.body for q in recorded]
        # errors that involve secrets
        bad = ctt.Client(m2.base_url, client_id="cid", client_secret="wrong", username="user", password=SECRETS[5])
        with pytest.raises(ctt.UnauthorizedError) as info:
            bad.fetch_token()
        objs += [info.value, info.value.body_snippet]
        with pytest.raises(ctt.MalformedCallbackError) as info2:
            ctt.parse_authentication_result(BODY.replace('"officeUserType": "GLOBAL_ADMIN"', f'"companyAdmin": "{SECRETS[0]}"'))
        objs += [info2.value]
    check(objs)


def test_every_authentication_fixture_and_the_reference_callback() -> None:
    from conftest import FIXTURES
    from test_fixtures import CASES, body_of

    bodies = [FIXTURES.parent.joinpath("reference_callback.json").read_bytes()]
    bodies += [
        body_of(c["input"])
        for c in CASES
        if c["input"]["kind"] in ("auth_result", "callback") and "ok" in c["expect"]
        and c["expect"]["ok"].get("event") == "authenticated"
    ]
    checked = 0
    for body in bodies:
        ev = ctt.handle_callback("POST", "/cb", {"Content-Type": "application/json"}, body)
        assert isinstance(ev, ctt.AuthenticatedEvent)
        r = ev.result
        secrets = [t.expose() for t in (r.access_token, r.id_token, r.refresh_token) if t is not None]
        secrets = [s for s in secrets if len(s) >= 4]  # "x" would match any text
        checked += bool(secrets)
        for o in (ev, r, r.access_token, r.id_token, r.refresh_token, r.claims, r.user_info, ev.to_dict(), ev.to_json()):
            for text in (repr(o), str(o)):
                for s in secrets:
                    assert s not in text, f"{type(o).__name__}: {text}"
    assert checked > 5, checked
