"""End to end with MockServer + Listener: all nine action types, approve and deny, sync and
async; the batch call on 1,000 enterprises; faults; 16 threads sharing one client."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Dict, List, Tuple

import pytest

import ctt
import ctt.testing

KEY = bytes(range(32))
ENTERPRISE = "Contoso Ltd"
ACTIONS = list(ctt.ActionType)
JSON_POST = {ctt.ActionType.REGISTRATION, ctt.ActionType.LOGIN_ENTERPRISE_ADMIN}


def check_event(
    action: ctt.ActionType, decision: str, delivery: ctt.testing.ConsentDelivery, ev: ctt.CallbackEvent
) -> None:
    assert delivery.action_type is action
    assert delivery.enterprise_name == ENTERPRISE
    assert delivery.decision == decision
    assert delivery.status == 200, delivery.response_body
    assert ev.state is not None, "the listener verifies state tokens"
    assert ev.state.action_type is action
    assert ev.state.enterprise_name == ENTERPRISE
    if decision == "approve" and action in JSON_POST:
        assert isinstance(ev, ctt.AuthenticatedEvent)
        assert ev.kind == "authenticated" and ev.is_success
        assert delivery.style == "json_post"
        r = ev.result
        assert r.organization == ENTERPRISE
        assert r.office_user_type == "GLOBAL_ADMIN"
        assert r.company_admin is True
        assert r.access_token.expose() and repr(r.access_token) == "[REDACTED]"
        assert r.expires_at is not None and r.expiry_source == "jwt_exp"
        assert r.claims is not None and r.claims.tid == r.effective_tenant_id
        assert not r.tenant_mismatch
    elif decision == "approve":
        assert isinstance(ev, ctt.ConsentSucceededEvent)
        assert ev.kind == "consent_succeeded" and ev.is_success
        assert delivery.style == "redirect"
        assert ev.message == delivery.message and ev.message
    else:
        assert isinstance(ev, ctt.ConsentFailedEvent)
        assert ev.kind == "consent_failed" and not ev.is_success
        assert ev.message == delivery.message == "Unable to Complete the process. User is not a Global Admin"


@pytest.mark.parametrize("state_in_path", [False, True], ids=["query-state", "path-state"])
def test_every_action_type_both_ways_sync(mock: ctt.testing.MockServer, state_in_path: bool) -> None:
    signer = ctt.FlowSigner(KEY, replay_guard=True)
    plan = ctt.consent_plan(list(ctt.Service))
    progress = plan.progress()
    with ctt.Listener(signer=signer, state_in_path=state_in_path) as listener, ctt.Client(
        mock.base_url,
        client_id=ctt.testing.DEMO_CLIENT_ID,
        client_secret=ctt.testing.DEMO_CLIENT_SECRET,
        username=ctt.testing.DEMO_USERNAME,
        password=ctt.testing.DEMO_PASSWORD,
    ) as client:
        for decision in ("deny", "approve"):
            for action in ACTIONS:
                url = client.get_action_item_url(
                    action, ENTERPRISE, listener.callback_url, state=signer, state_in_path=state_in_path
                )
                assert url.consent.is_authorize and url.state_token
                assert url.state_token in url.redirect_url
                delivery = mock.consent(url, decision)
                ev = listener.wait(timeout=30)
                check_event(action, decision, delivery, ev)
                progress.record_event(ev)
                if decision == "deny" and action in plan:
                    assert progress.status_of(action) is ctt.StepStatus.FAILED
        assert listener.delivered == 2 * len(ACTIONS)
        with pytest.raises(ctt.TimeoutError):
            listener.wait(timeout=0.05)
    assert progress.is_complete and not progress.failed
    assert progress.done == plan.action_types
    # Closed and drained: iteration ends.
    assert list(listener) == []


async def test_every_action_type_both_ways_async(mock: ctt.testing.MockServer) -> None:
    signer = ctt.FlowSigner(KEY)
    with ctt.Listener(signer=signer) as listener:
        async with ctt.AsyncClient(mock.base_url, token=ctt.testing.DEMO_TOKEN) as client:
            for decision in ("approve", "deny"):
                urls = await asyncio.gather(
                    *(client.get_action_item_url(a, ENTERPRISE, listener.callback_url, state=signer) for a in ACTIONS)
                )
                for action, url in zip(ACTIONS, urls):
                    delivery = await mock.consent_async(url, decision)
                    ev = await listener.wait_async(timeout=30)
                    check_event(action, decision, delivery, ev)
            token = await client.fetch_token()
            assert token.token.expose() == ctt.testing.DEMO_TOKEN
        assert client.closed
        with pytest.raises(ctt.InvalidInputError):
            await client.get_action_item_url("REGISTRATION", ENTERPRISE, listener.callback_url)
        with pytest.raises(ctt.TimeoutError):
            await listener.wait_async(timeout=0.05)
    seen = [ev async for ev in listener]
    assert seen == []


async def test_async_iteration_of_a_listener(mock: ctt.testing.MockServer) -> None:
    with ctt.Listener() as listener:
        async with ctt.AsyncClient(mock.base_url, token=ctt.testing.DEMO_TOKEN) as client:
            url = await client.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, listener.callback_url)
        await mock.consent_async(url.url, "approve")
        async for ev in listener:
            assert isinstance(ev, ctt.ConsentSucceededEvent)
            assert ev.state is None
            break


def test_sync_iteration_and_unverified_events(mock: ctt.testing.MockServer, client: ctt.Client) -> None:
    with ctt.Listener(path="/hooks/ctt") as listener:
        assert listener.callback_url.endswith("/hooks/ctt")
        url = client.get_action_item_url(ctt.ActionType.REGISTRATION, ENTERPRISE, listener.callback_url)
        assert url.state_token is None
        mock.consent(url, "approve")
        for ev in listener:
            assert isinstance(ev, ctt.AuthenticatedEvent)
            assert ev.state is None
            assert ev.to_dict()["access_token"] == "[REDACTED]"
            break


def test_listener_rejects_a_forged_state(mock: ctt.testing.MockServer, client: ctt.Client) -> None:
    signer = ctt.FlowSigner(KEY)
    other = ctt.FlowSigner(bytes(32))
    with ctt.Listener(signer=signer) as listener:
        url = client.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, listener.callback_url, state=other)
        delivery = mock.consent(url, "approve")
        assert delivery.status == 403
        with pytest.raises(ctt.TimeoutError):
            listener.wait(timeout=0.2)
        assert listener.delivered == 0


def test_batch_of_a_thousand_enterprises(mock: ctt.testing.MockServer, client: ctt.Client) -> None:
    names = [f"Enterprise {i:04d}" for i in range(1000)]
    # Three bad inputs in known slots; they fail alone and never stop the batch.
    names[10] = "   "
    names[500] = "x" * 300
    reqs: List[Any] = [(ctt.ActionType.USER_SYNC_CONSENT, n, "https://provider.example/ctt/callback") for n in names]
    reqs[999] = ctt.ActionUrlRequest("GET_CDR_CONSENT", "Last One", "http://not-loopback.example/cb")
    done: List[Tuple[int, bool]] = []
    lock = threading.Lock()

    def on_done(i: int, ok: bool) -> None:
        with lock:
            done.append((i, ok))

    results = client.get_action_item_urls(reqs, concurrency=32, on_done=on_done)
    assert len(results) == 1000
    bad = {10: "enterpriseName", 500: "enterpriseName", 999: "redirectUrl"}
    for i, r in enumerate(results):
        if i in bad:
            assert isinstance(r, ctt.InvalidInputError) and r.field == bad[i], (i, r)
        else:
            assert isinstance(r, ctt.ActionUrl), (i, r)
            assert r.consent.is_authorize
    assert sorted(i for i, _ in done) == list(range(1000))
    assert {i for i, ok in done if not ok} == set(bad)
    hits = [q for q in mock.requests() if q.endpoint == "action_url"]
    assert len(hits) == 997


async def test_batch_async(mock: ctt.testing.MockServer) -> None:
    async with ctt.AsyncClient(mock.base_url, token=ctt.testing.DEMO_TOKEN) as client:
        reqs = [ctt.ActionUrlRequest("GET_PRESENCE_CONSENT", f"E{i}", "https://p.example/cb") for i in range(200)]
        results = await client.get_action_item_urls(reqs, concurrency=16)
    assert all(isinstance(r, ctt.ActionUrl) for r in results)


FAULTS: List[Tuple[str, str, type, Dict[str, Any]]] = [
    ("action_url", "status:400:{\"message\":\"enterpriseName is required\"}", ctt.InvalidInputError, {"status": 400}),
    ("action_url", "status:401", ctt.UnauthorizedError, {"status": 401}),
    ("action_url", "status:403", ctt.ForbiddenError, {"status": 403}),
    ("action_url", "status:404", ctt.NotFoundError, {"status": 404}),
    ("action_url", "rate_limit:7", ctt.RateLimitedError, {"status": 429, "retry_after": 7.0}),
    ("action_url", "status:500", ctt.ServerError, {"status": 500}),
    ("action_url", "status:418", ctt.UnexpectedStatusError, {"status": 418}),
    ("action_url", "reset", ctt.TransportError, {}),
    ("action_url", "close", ctt.TransportError, {}),
    ("action_url", "garbage", ctt.MalformedResponseError, {"status": 200}),
    ("action_url", "html", ctt.MalformedResponseError, {"status": 200}),
    ("action_url", "truncate", ctt.TransportError, {}),
    ("action_url", "delay:1500", ctt.TimeoutError, {}),
]


@pytest.mark.parametrize("endpoint,spec,exc,attrs", FAULTS, ids=[f[1].split(":{")[0] for f in FAULTS])
def test_faults_raise_the_right_exception(
    mock: ctt.testing.MockServer, endpoint: str, spec: str, exc: type, attrs: Dict[str, Any]
) -> None:
    mock.push_fault(endpoint, spec)
    with ctt.Client(mock.base_url, token=ctt.testing.DEMO_TOKEN, max_attempts=1, timeout=0.5) as client:
        with pytest.raises(exc) as info:
            client.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, "https://provider.example/cb")
    e = info.value
    assert isinstance(e, ctt.CttError)
    for k, v in attrs.items():
        assert getattr(e, k) == v, (k, getattr(e, k))
    if exc is ctt.TimeoutError:
        assert isinstance(e, TimeoutError)


def test_token_endpoint_faults_and_bad_credentials(mock: ctt.testing.MockServer) -> None:
    kw: Dict[str, Any] = dict(client_id=ctt.testing.DEMO_CLIENT_ID, username=ctt.testing.DEMO_USERNAME, max_attempts=1)
    with ctt.Client(mock.base_url, client_secret="wrong", password=ctt.testing.DEMO_PASSWORD, **kw) as c:
        with pytest.raises(ctt.UnauthorizedError):
            c.fetch_token()
    mock.push_fault("token", {"kind": "status", "status": 503, "body": ""})
    with ctt.Client(
        mock.base_url, client_secret=ctt.testing.DEMO_CLIENT_SECRET, password=ctt.testing.DEMO_PASSWORD, **kw
    ) as c:
        with pytest.raises(ctt.ServerError) as info:
            c.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, "https://provider.example/cb")
        assert info.value.status == 503
        tok = c.fetch_token()
        assert tok.expires_in is not None and tok.token.expose()


def test_retries_recover_from_transient_faults(mock: ctt.testing.MockServer, client: ctt.Client) -> None:
    mock.push_fault("action_url", "status:503")
    mock.push_fault("action_url", "reset")
    url = client.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, "https://provider.example/cb")
    assert url.consent.is_authorize
    statuses = [q.status for q in mock.requests() if q.endpoint == "action_url"]
    assert statuses == [503, None, 200]


def test_sixteen_threads_share_one_client(mock: ctt.testing.MockServer, client: ctt.Client) -> None:
    results: Dict[int, List[str]] = {}
    errors: List[BaseException] = []
    barrier = threading.Barrier(16)

    def work(t: int) -> None:
        try:
            barrier.wait()
            results[t] = [
                client.get_action_item_url(ACTIONS[i % 9], f"Tenant {t}-{i}", "https://p.example/cb").url
                for i in range(20)
            ]
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert sorted(results) == list(range(16))
    urls = [u for us in results.values() for u in us]
    assert len(urls) == 320 and len(set(urls)) == 320
    assert len([q for q in mock.requests() if q.endpoint == "action_url"]) == 320


def test_blocking_calls_release_the_gil(mock: ctt.testing.MockServer, client: ctt.Client) -> None:
    # While one thread waits on a slow answer, another runs Python code.
    mock.push_fault("action_url", "delay:500")
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1

    th = threading.Thread(target=spin)
    th.start()
    before = ticks
    client.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, "https://p.example/cb")
    during = ticks - before
    stop.set()
    th.join()
    assert during > 100, during  # with the GIL held the spinner would not run at all


def test_closed_objects_refuse_work(mock: ctt.testing.MockServer) -> None:
    c = ctt.Client(mock.base_url, token=ctt.testing.DEMO_TOKEN)
    c.close()
    assert c.closed
    with pytest.raises(ctt.InvalidInputError):
        c.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, "https://p.example/cb")
    m = ctt.testing.MockServer()
    m.close()
    with pytest.raises(ValueError):
        m.requests()


async def test_awaiting_never_blocks_the_event_loop(mock: ctt.testing.MockServer) -> None:
    mock.push_fault("action_url", "delay:500")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    t = asyncio.ensure_future(ticker())
    async with ctt.AsyncClient(mock.base_url, token=ctt.testing.DEMO_TOKEN) as client:
        url = await client.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, "https://p.example/cb")
    t.cancel()
    assert url.consent.is_authorize
    assert ticks >= 3, ticks  # a blocked loop would tick at most once


async def test_cancelling_an_awaitable(mock: ctt.testing.MockServer) -> None:
    mock.push_fault("action_url", "delay:2000")
    async with ctt.AsyncClient(mock.base_url, token=ctt.testing.DEMO_TOKEN) as client:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(
                client.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, "https://p.example/cb"), 0.2
            )
        # The client is still usable afterwards.
        url = await client.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, "https://p.example/cb")
        assert url.url.startswith(mock.base_url)
    with ctt.Listener() as listener:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(listener.wait_async(), 0.05)
        with pytest.raises(ctt.TimeoutError):
            await listener.wait_async(timeout=0.01)


def test_a_blocking_call_from_a_runtime_thread_is_refused(mock: ctt.testing.MockServer, client: ctt.Client) -> None:
    errors: List[BaseException] = []

    def on_done(_i: int, _ok: bool) -> None:
        try:
            client.get_action_item_url("GET_CDR_CONSENT", ENTERPRISE, "https://p.example/cb")
        except ctt.CttError as e:
            errors.append(e)

    results = client.get_action_item_urls([("GET_CDR_CONSENT", "A", "https://p.example/cb")], on_done=on_done)
    assert isinstance(results[0], ctt.ActionUrl)
    assert len(errors) == 1 and isinstance(errors[0], ctt.InternalError)
