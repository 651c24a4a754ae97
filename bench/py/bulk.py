"""Bulk action URLs from Python: N requests for N enterprises, CONCURRENCY in flight.

    python bulk.py CONTENDER BASE_URL TOKEN N CONCURRENCY

CONTENDER is ctt (the binding's batch call), httpx (httpx.AsyncClient + asyncio.Semaphore,
json for JSON-string answers) or requests (requests.Session per worker thread of a
ThreadPoolExecutor). Prints the seconds of the batch alone (imports and setup excluded) on
stdout; exits 1 if any request failed."""
from __future__ import annotations

import json
import sys
import time

ACTION = "GET_USER_SYNC_CONSENT"
REDIRECT = "https://isp.example/cb"


def answer_url(status: int, text: str) -> str:
    if status != 200:
        raise RuntimeError(f"status {status}")
    t = text.strip()
    return json.loads(t) if t.startswith('"') else t


def run_ctt(base: str, token: str, n: int, conc: int) -> tuple[float, int]:
    import ctt

    with ctt.Client(base, token=ctt.Secret(token), use_env_proxy=False) as client:
        reqs = [(ACTION, f"Enterprise {i}", REDIRECT) for i in range(n)]
        start = time.perf_counter()
        results = client.get_action_item_urls(reqs, concurrency=conc)
        secs = time.perf_counter() - start
    return secs, sum(1 for r in results if isinstance(r, ctt.ActionUrl))


def run_httpx(base: str, token: str, n: int, conc: int) -> tuple[float, int]:
    import asyncio

    import httpx

    async def main() -> tuple[float, int]:
        limits = httpx.Limits(max_connections=conc, max_keepalive_connections=conc)
        headers = {"Authorization": f"Bearer {token}", "Accept": "text/plain, application/json"}
        async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, trust_env=False, timeout=60) as c:
            sem = asyncio.Semaphore(conc)

            async def one(i: int) -> bool:
                async with sem:
                    body = {"actionType": ACTION, "enterpriseName": f"Enterprise {i}", "redirectUrl": REDIRECT}
                    r = await c.post("/enterprise/getActionItemUrl", json=body)
                    return bool(answer_url(r.status_code, r.text))

            start = time.perf_counter()
            ok = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
            return time.perf_counter() - start, sum(1 for x in ok if x is True)

    return asyncio.run(main())


def run_requests(base: str, token: str, n: int, conc: int) -> tuple[float, int]:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests

    local = threading.local()
    url = base.rstrip("/") + "/enterprise/getActionItemUrl"
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/plain, application/json"}

    def session() -> requests.Session:
        s = getattr(local, "s", None)
        if s is None:
            s = local.s = requests.Session()
            s.trust_env = False
        return s

    def one(i: int) -> bool:
        body = {"actionType": ACTION, "enterpriseName": f"Enterprise {i}", "redirectUrl": REDIRECT}
        r = session().post(url, json=body, headers=headers, timeout=60)
        return bool(answer_url(r.status_code, r.text))

    with ThreadPoolExecutor(max_workers=conc) as pool:
        start = time.perf_counter()
        ok = 0
        for fut in [pool.submit(one, i) for i in range(n)]:
            try:
                ok += fut.result() is True
            except Exception:
                pass
        secs = time.perf_counter() - start
    return secs, ok


def main() -> None:
    contender, base, token, n, conc = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    fn = {"ctt": run_ctt, "httpx": run_httpx, "requests": run_requests}[contender]
    secs, ok = fn(base, token, n, conc)
    print(f"{secs:.6f}")
    if ok != n:
        print(f"bulk.py {contender}: only {ok}/{n} requests succeeded", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
