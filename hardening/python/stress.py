"""Hardening of the Python package through its public API (the installed wheel), against the
embedded mock:

    python stress.py memory N   N full flows (getActionItemUrl + the admin's consent delivered to a
                                Listener + the event), RSS after a warm-up and at the end
    python stress.py faults     the fault matrix (each mock fault, retries on and off), as a table
    python stress.py secrets    no secret in exception messages/reprs or the DEBUG log of the `ctt` logger

Prints figures on lines starting with MEMORY/FAULT/SECRETS; exits 1 on any failure. (16 threads
sharing one client and repr/str redaction are python/tests' own: test_e2e, test_redaction.)
"""

from __future__ import annotations

import gc
import logging
import sys
import time

import ctt
import ctt.testing as t

failures = 0


def check(cond: bool, what: str) -> None:
    global failures
    if not cond:
        failures += 1
        print(f"FAIL: {what}", file=sys.stderr)


def rss_kib() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


KEY = b"hardening-python-signing-key-0123456789"
TYPES = [
    ctt.ActionType.REGISTRATION,
    ctt.ActionType.USER_SYNC_CONSENT,
    ctt.ActionType.PRESENCE_CONSENT,
    ctt.ActionType.CDR_CONSENT,
]


def client_for(mock: ctt.testing.MockServer, **kw: object) -> ctt.Client:
    args: dict = dict(
        client_id=t.DEMO_CLIENT_ID,
        client_secret=t.DEMO_CLIENT_SECRET,
        username=t.DEMO_USERNAME,
        password=t.DEMO_PASSWORD,
        use_env_proxy=False,
        retry_base_delay=0.01,
        retry_max_delay=0.05,
    )
    args.update(kw)
    return ctt.Client(mock.base_url, **args)


def memory(n: int) -> None:
    warmup = max(1, n // 10)
    signer = ctt.FlowSigner(KEY, replay_guard=True)
    with t.MockServer() as mock, ctt.Listener(signer=signer) as listener:
        client = client_for(mock, timeout=20.0)
        bad = 0
        rss_start = 0
        t0 = time.monotonic()
        for i in range(n):
            if i == warmup:
                gc.collect()
                rss_start = rss_kib()
            if i and i % 500 == 0:
                # The mock keeps its last 10,000 requests and every flow: forget them now and then so
                # that what is measured is the SDK (the client then refreshes its token once).
                mock.reset()
            try:
                url = client.get_action_item_url(TYPES[i % 4], f"Enterprise {i}", listener.callback_url, state=signer)
                delivery = mock.consent(url, "approve")
                ev = listener.wait(timeout=10)
                if delivery.status != 200 or not ev.is_success:
                    bad += 1
            except ctt.CttError as e:
                bad += 1
                print(f"flow {i}: {e!r}", file=sys.stderr)
            if i and i % 2000 == 0:
                print(f"  {i} flows, RSS {rss_kib()} KiB", file=sys.stderr)
        secs = time.monotonic() - t0
        gc.collect()
        rss_end = rss_kib()
        delivered = listener.delivered
        client.close()
    growth = rss_end - rss_start
    print(
        f"MEMORY python: {n} flows (get_action_item_url + consent + Listener.wait; mock reset every 500) in {secs:.1f} s "
        f"({n / secs:.0f} flows/s), {bad} failed, {delivered} delivered; RSS after {warmup} warm-up flows "
        f"{rss_start} KiB, at the end {rss_end} KiB ({growth:+d} KiB, {100 * growth / rss_start:+.1f}%)"
    )
    check(bad == 0, f"{bad} flows failed")
    check(delivered == n, f"delivered {delivered}")
    # A leak of 1 KiB per flow would be 10 MiB over 10,000 flows.
    check(growth < 8 * 1024, f"RSS grew by {growth} KiB")


# fault spec, outcome with 3 attempts, outcome with 1 attempt ("ok" or the exception class)
CASES = [
    ("reset", "ok", ctt.TransportError),
    ("close", "ok", ctt.TransportError),
    ("delay:10000", ctt.TimeoutError, ctt.TimeoutError),
    ("rate_limit:1", "ok", ctt.RateLimitedError),
    ("status:500", ctt.ServerError, ctt.ServerError),
    ("status:502", "ok", ctt.ServerError),
    ("status:503", "ok", ctt.ServerError),
    ("status:504", "ok", ctt.ServerError),
    ("truncate", "ok", ctt.TransportError),
    ("garbage", ctt.MalformedResponseError, ctt.MalformedResponseError),
    ("html", ctt.MalformedResponseError, ctt.MalformedResponseError),
]


def faults() -> None:
    deadline = 3.0
    with t.MockServer() as mock:
        retrying = client_for(mock, timeout=deadline, max_attempts=3)
        single = client_for(mock, timeout=deadline, max_attempts=1)
        retrying.fetch_token()
        single.fetch_token()

        def call(c: ctt.Client, fault: str) -> tuple[object, float, str]:
            mock.reset()
            mock.push_fault("action_url", fault)
            t0 = time.monotonic()
            try:
                c.get_action_item_url(ctt.ActionType.CDR_CONSENT, "Fault Corp", "https://sp.example/cb")
                out: object = "ok"
                text = "ok (retried)" if c is retrying else "ok"
            except ctt.CttError as e:
                out = type(e)
                text = f"{type(e).__name__}"
                if getattr(e, "status", None):
                    text += f" {e.status}"
            return out, (time.monotonic() - t0) * 1000, text

        print(f"FAULT python: action_url fault | 3 attempts: outcome (ms) | 1 attempt: outcome (ms) | deadline {deadline * 1000:.0f} ms")
        for fault, want_retry, want_single in CASES:
            a, ms1, ta = call(retrying, fault)
            b, ms2, tb = call(single, fault)
            ok = a == want_retry and b == want_single
            print(f"FAULT python: {fault:<13} | {ta:<26} {ms1:5.0f} | {tb:<26} {ms2:5.0f}{'' if ok else '   <-- UNEXPECTED'}")
            check(ok, f"{fault}: {a} / {b}")
            check(ms1 < (deadline + 2) * 1000 and ms2 < (deadline + 2) * 1000, f"{fault} took {ms1:.0f}/{ms2:.0f} ms")
        retrying.close()
        single.close()


BEARER = "hardening-py-bearer-6c0e"
WRONG = "hardening-py-wrong-password-a1f2"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name} {record.getMessage()} {record.__dict__}")


def secrets() -> None:
    cap = Capture()
    log = logging.getLogger("ctt")
    log.setLevel(logging.DEBUG)
    log.addHandler(cap)
    known = [t.DEMO_CLIENT_SECRET, t.DEMO_PASSWORD, BEARER, WRONG, KEY.decode(), KEY.hex()]
    texts: list[tuple[str, str]] = []
    signer = ctt.FlowSigner(KEY, replay_guard=True)
    with t.MockServer(static_tokens=[BEARER]) as mock, ctt.Listener(signer=signer) as listener:
        client = client_for(mock, max_attempts=3)
        token = client.fetch_token()
        known.append(token.token.expose())
        url = client.get_action_item_url(ctt.ActionType.REGISTRATION, "Secret Corp", listener.callback_url, state=signer)
        mock.consent(url, "approve")
        ev = listener.wait(timeout=10)
        assert isinstance(ev, ctt.AuthenticatedEvent)
        jwt = ev.result.access_token.expose()
        known += [jwt, jwt.rsplit(".", 1)[-1]]
        texts.append(("event.to_json()", ev.to_json()))
        texts.append(("event.to_dict()", repr(ev.to_dict())))
        # Retries, with their DEBUG log lines.
        mock.push_fault("action_url", "status:503")
        mock.push_fault("token", "reset")
        client.get_action_item_url(ctt.ActionType.CDR_CONSENT, "Acme", "https://sp.example/cb")
        # Errors.
        errors: list[ctt.CttError] = []
        for c in (
            client_for(mock, password=WRONG, max_attempts=1),
            ctt.Client(mock.base_url, token=BEARER + "-unknown", use_env_proxy=False, max_attempts=1),
        ):
            try:
                c.get_action_item_url(ctt.ActionType.CDR_CONSENT, "Acme", "https://sp.example/cb")
            except ctt.CttError as e:
                errors.append(e)
        mock.push_fault("action_url", f'status:500:{{"message":"bad token {BEARER}"}}')
        bearer = ctt.Client(mock.base_url, token=BEARER, use_env_proxy=False, max_attempts=1)
        try:
            bearer.get_action_item_url(ctt.ActionType.CDR_CONSENT, "Acme", "https://sp.example/cb")
        except ctt.CttError as e:
            errors.append(e)
        try:
            ctt.handle_callback("GET", listener.callback_url + "?ctt_state=forged&success=x", {}, b"", signer=signer)
        except ctt.CttError as e:
            errors.append(e)
        check(len(errors) == 4, f"expected 4 errors, got {errors}")
        for e in errors:
            texts.append((f"{type(e).__name__} str", str(e)))
            texts.append((f"{type(e).__name__} repr", repr(e)))
            texts.append((f"{type(e).__name__} args/attrs", repr((e.args, e.kind, e.message, getattr(e, "body_snippet", None)))))
        for r in mock.requests():
            texts.append(("RecordedRequest", repr(r) + str(r.__dict__ if hasattr(r, "__dict__") else "")))
    log.removeHandler(cap)
    texts.append(("DEBUG log", "\n".join(cap.lines)))
    leaks = [(what, s) for what, text in texts for s in known if s and s in text]
    print(
        f"SECRETS python: {len(texts) - 1} outputs (event JSON/dict, 4 exceptions as str/repr/attrs, recorded requests) "
        f"and {len(cap.lines)} DEBUG records of the `ctt` logger checked against {len(known)} known secrets: "
        f"{'LEAKS: ' + repr([w for w, _ in leaks]) if leaks else 'none found'}"
    )
    check(not leaks, f"leaks in {[w for w, _ in leaks]}")
    check(len(cap.lines) > 0, "nothing was logged at DEBUG: the capture does not work")


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "memory":
        memory(int(sys.argv[2]) if len(sys.argv) > 2 else 10000)
    elif cmd == "faults":
        faults()
    elif cmd == "secrets":
        secrets()
    else:
        sys.exit("usage: stress.py memory N | faults | secrets")
    if failures:
        print(f"{failures} check(s) failed", file=sys.stderr)
    sys.exit(1 if failures else 0)
