#!/usr/bin/env python3
"""The benchmark driver (standard library only). Run it through bench/run.sh, which builds the
contenders and passes their paths in the environment. Alternates contenders within every round,
repeats, and prints tables of medians and per-round ratios. No assertions on timings: a missed
goal is reported as such, never fails the run (only a contender that errors does)."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ENV = os.environ
CTT = ENV["BENCH_CTT"]  # target/release/ctt
BENCH = ENV["BENCH_RUST"]  # target/release/ctt-bench
PARSE_C = ENV["BENCH_PARSE_C"]  # the C parse benchmark, linked against libctt.so and cJSON
VPY = ENV["BENCH_PY"]  # the bench venv's python (release wheel, httpx, requests, pydantic)
LIBCTT = ENV["BENCH_LIBCTT"]  # target/release/libctt.so
WHEEL = ENV["BENCH_WHEEL"]
KOTLIN = ENV.get("BENCH_KOTLIN", "")  # a command running the Kotlin parse benchmark, if ready
SMOKE = "--smoke" in sys.argv[1:]

TOKEN = "ctt-demo-token"  # the embedded mock's public demo token
PAYLOADS = [str(ROOT / "tests/fixtures/reference_callback.json"), str(HERE / "fixtures/callback_16k.json")]

if SMOKE:
    CFG = dict(client_n=50, client_rounds=2, bulk_n=200, bulk_conc=64, bulk_rounds=1, wrk_secs=1,
               parse_iters=200, parse_rounds=2, listener_secs=1, listener_rounds=1, hf_runs=3, hf_rounds=1)
    HTTPX_SHARE = 1
else:
    CFG = dict(client_n=2000, client_rounds=10, bulk_n=10000, bulk_conc=64, bulk_rounds=3, wrk_secs=10,
               parse_iters=5000, parse_rounds=7, listener_secs=10, listener_rounds=3, hf_runs=10, hf_rounds=3)
# httpx.AsyncClient collapses at 64 connections (~40 requests/s here, encode/httpx#3215): it runs a
# tenth of the requests and its time is scaled up (its rate does not depend on N; see README).
HTTPX_SHARE = 10

TMP = Path(tempfile.mkdtemp(prefix="ctt-bench-"))
CHILD_ENV = {k: v for k, v in ENV.items() if "proxy" not in k.lower()}
CHILD_ENV["RUST_LOG"] = "off"


def say(*a: object) -> None:
    print(*a, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, what: str) -> None:
    for _ in range(200):
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited early ({proc.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{what} did not listen on {port}")


def run(cmd: list[str], **kw) -> str:
    p = subprocess.run(cmd, capture_output=True, text=True, env=CHILD_ENV, **kw)
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p.stdout


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def tsv_rows(text: str) -> list[tuple[str, str, str, int, float]]:
    rows = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) == 5:
            rows.append((parts[0], parts[1], parts[2], int(parts[3]), float(parts[4])))
    return rows


# --- tables ------------------------------------------------------------------------------------

def fmt_num(v: float, unit: str) -> str:
    if unit == "s":
        return f"{v:.3f} s" if v >= 1 else f"{v * 1000:.1f} ms"
    if unit == "ns":
        return f"{v / 1000:.2f} µs" if v >= 1000 else f"{v:.0f} ns"
    if unit == "ms":
        return f"{v:.2f} ms"
    return f"{v:.0f} {unit}"


def table(title: str, rows: list[tuple[str, str, int, float]], unit: str, ref: dict[str, str],
          extra: dict[str, str] | None = None, per_op: tuple[int, str] | None = None) -> dict:
    """rows: (case, contender, round, value) with lower = better. For each case prints the
    median per contender and, against that case's reference contender, the median over rounds
    of value/reference (how many times longer than the reference, > 1 = the reference is faster)."""
    say(f"\n{title}")
    by: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    for case, who, rnd, v in rows:
        by[case][who][rnd] = v
    out = {}
    for case, per in by.items():
        refname = ref.get(case, ref.get("*"))
        w = max(len(c) for c in per) + 2
        head = f"  {case}" + (f" (÷ reference = this contender's {'time' if unit == 's' else 'cost'} divided by "
                              f"{refname}'s in the same round, median over rounds; > 1 = the reference is faster)" if refname else "")
        say(head)
        extra_col = f"  {per_op[1]:>12}" if per_op else ""
        say(f"    {'contender':<{w}}{'median':>12}{'min':>12}{'max':>12}{extra_col}  {'÷ reference'}")
        for who, vals in per.items():
            med = statistics.median(vals.values())
            ratio_s = ""
            if refname and who != refname and refname in per:
                ratios = [vals[r] / per[refname][r] for r in vals if r in per[refname]]
                ratio = statistics.median(ratios)
                ratio_s = f"{ratio:.2f}×"
                out[(case, who)] = ratio
            elif who == refname:
                ratio_s = "1.00 (reference)"
            ex = ""
            if per_op:
                ex = f"  {fmt_num(med / per_op[0] * 1e9, 'ns'):>12}"
            say(f"    {who:<{w}}{fmt_num(med, unit):>12}{fmt_num(min(vals.values()), unit):>12}"
                f"{fmt_num(max(vals.values()), unit):>12}{ex}  {ratio_s}")
            out[(case, who, "median")] = med
        if extra and case in extra:
            say(f"    {extra[case]}")
    return out


GOALS: list[tuple[str, str, bool | None]] = []


def goal(name: str, measured: str, ok: bool | None) -> None:
    GOALS.append((name, measured, ok))


# --- 1. client overhead -----------------------------------------------------------------------

def start_mock() -> tuple[subprocess.Popen, str]:
    port = free_port()
    p = subprocess.Popen([CTT, "mock", "--bind", f"127.0.0.1:{port}", "--no-control"], env=CHILD_ENV,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port, p, "ctt mock")
    return p, f"http://127.0.0.1:{port}"


def stop(p: subprocess.Popen) -> None:
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def section_client() -> None:
    n = CFG["client_n"]
    say(f"\n## 1. Client overhead: {n} sequential getActionItemUrl calls, mock in its own process "
        f"(`ctt mock`), {CFG['client_rounds']} rounds, order alternating, one process for both")
    mock, base = start_mock()
    try:
        out = run([BENCH, "client", "--base-url", base, "--token", TOKEN, "--n", str(n),
                   "--rounds", str(CFG["client_rounds"]), "--warmup", str(min(200, n))])
    finally:
        stop(mock)
    rows = [(c, who, r, v) for _, who, c, r, v in tsv_rows(out)]
    res = table("wall time of the whole sequence (lower is better); per call in the last column", rows, "s",
                {"*": "raw reqwest + serde_json"}, per_op=(n, "per call"))
    case = rows[0][0]
    r = res.get((case, "ctt (Rust Client)"))
    if r is not None:
        goal("1. ctt client vs raw reqwest ≤ 1.05×", f"{r:.3f}×", r <= 1.05)


# --- 2. bulk ----------------------------------------------------------------------------------

ACTION_LUA = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer ctt-demo-token"
wrk.body = '{"actionType":"GET_USER_SYNC_CONSENT","enterpriseName":"Wrk Enterprise","redirectUrl":"https://isp.example/cb"}'
"""


def parse_wrk(text: str) -> dict:
    def dur(s: str) -> float:  # → ms
        m = re.match(r"([\d.]+)(us|ms|s|m)$", s)
        if not m:
            return float("nan")
        v, u = float(m.group(1)), m.group(2)
        return v / 1000 if u == "us" else v if u == "ms" else v * 1000 if u == "s" else v * 60000
    res = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", text, re.M)
        if m:
            res[f"p{pct}"] = dur(m.group(1))
    m = re.search(r"(\d+) requests in", text)
    res["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    res["non2xx"] = int(m.group(1)) if m else 0
    m = re.search(r"Socket errors: (.*)", text)
    res["socket_errors"] = m.group(1).strip() if m else ""
    return res


def section_bulk() -> None:
    n, conc = CFG["bulk_n"], CFG["bulk_conc"]
    say(f"\n## 2. Bulk: {n} action URLs, concurrency {conc}, mock in its own process (`ctt mock`), "
        f"{CFG['bulk_rounds']} rounds, order rotating, each contender its own process")
    mock, base = start_mock()
    try:
        lua = TMP / "action.lua"
        lua.write_text(ACTION_LUA)
        say(f"\nThe mock's own ceiling (wrk -t2 -c{conc} -d{CFG['wrk_secs']}s, POST getActionItemUrl, keep-alive):")
        ceil = []
        for _ in range(1 if SMOKE else 2):
            w = parse_wrk(run(["wrk", "-t2", f"-c{conc}", f"-d{CFG['wrk_secs']}s", "--latency", "-s", str(lua),
                               f"{base}/enterprise/getActionItemUrl"]))
            if w["non2xx"] or w["socket_errors"]:
                raise SystemExit(f"the mock answered wrk with errors: {w}")
            ceil.append(w["rps"])
            say(f"    {w['rps']:.0f} requests/s, p50 {w.get('p50', float('nan')):.2f} ms, p99 {w.get('p99', float('nan')):.2f} ms, "
                f"non-2xx {w['non2xx']}{', socket errors ' + w['socket_errors'] if w['socket_errors'] else ''}")
        ceiling = statistics.median(ceil)
        csv = TMP / "enterprises.csv"
        csv.write_text("enterprise\n" + "".join(f"Enterprise {i}\n" for i in range(n)))
        py = str(HERE / "py/bulk.py")

        def ctt_bulk() -> float:
            start = time.perf_counter()
            run([CTT, "--base-url", base, "--token", TOKEN, "bulk", "--type", "GET_USER_SYNC_CONSENT",
                 "--input", str(csv), "--redirect-url", "https://isp.example/cb", "--concurrency", str(conc),
                 "--out", str(TMP / "bulk-out.csv")])
            return time.perf_counter() - start

        def py_bulk(kind: str, share: int = 1):
            m = n // share
            return lambda: float(run([VPY, py, kind, base, TOKEN, str(m), str(conc)]).strip()) * n / m

        contenders = [
            ("ctt bulk (CLI, whole process)", ctt_bulk),
            ("Python ctt Client.get_action_item_urls", py_bulk("ctt")),
            ("Python httpx.AsyncClient + json", py_bulk("httpx", HTTPX_SHARE)),
            ("Python requests.Session × thread pool", py_bulk("requests")),
        ]
        rows = []
        case = f"{n} URLs at concurrency {conc}"
        for r in range(CFG["bulk_rounds"]):
            k = r % len(contenders)
            for name, fn in contenders[k:] + contenders[:k]:
                rows.append((case, name, r, fn()))
    finally:
        stop(mock)
    extra = {case: f"(mock ceiling by wrk: {ceiling:.0f} requests/s = {n / ceiling:.3f} s for {n}; "
                   f"Python contenders time the batch only, `ctt bulk` the whole process incl. CSV in/out"
                   + (f"; httpx ran {n // HTTPX_SHARE} requests per round, time ×{HTTPX_SHARE})" if HTTPX_SHARE > 1 else ")")}
    res = table("wall time (lower is better); requests/s = N / median", rows, "s",
                {"*": "Python ctt Client.get_action_item_urls"}, extra=extra)
    for who in ("ctt bulk (CLI, whole process)", "Python ctt Client.get_action_item_urls",
                "Python httpx.AsyncClient + json", "Python requests.Session × thread pool"):
        med = res.get((case, who, "median"))
        if med:
            say(f"    {who}: {n / med:.0f} requests/s ({n / med / ceiling * 100:.0f}% of the mock's wrk ceiling)")
    hx = res.get((case, "Python httpx.AsyncClient + json"))
    cb = res.get((case, "ctt bulk (CLI, whole process)"))
    if hx is not None:
        goal("2. Python batch ≥ 5× httpx async", f"{hx:.2f}×", hx >= 5)
    if cb is not None:
        goal("2. Python batch ≥ 80% of ctt bulk", f"{cb * 100:.0f}%", cb >= 0.8)


# --- 3. parsing -------------------------------------------------------------------------------

def section_parse() -> None:
    iters, rounds = CFG["parse_iters"], CFG["parse_rounds"]
    sizes = ", ".join(f"{Path(p).name} {Path(p).stat().st_size} B" for p in PAYLOADS)
    say(f"\n## 3. Callback parsing ({sizes}): {iters} parses per measurement, {rounds} rounds; "
        f"in every round the Rust, C, Python{', Kotlin' if KOTLIN else ''} processes run in rotating order "
        f"and each alternates its own contenders")
    files = ",".join(PAYLOADS)
    procs = [
        ("rust", [BENCH, "parse", "--files", files, "--iters", str(iters), "--rounds", "1"]),
        ("c", [PARSE_C, str(iters), "1", *PAYLOADS]),
        ("python", [VPY, str(HERE / "py/parse.py"), str(max(iters // 4, 10)), "1", *PAYLOADS]),
    ]
    if KOTLIN:
        procs.append(("kotlin", [*KOTLIN.split(), str(iters), "1", *PAYLOADS]))
    rows = []
    for r in range(rounds):
        k = r % len(procs)
        for _, cmd in procs[k:] + procs[:k]:
            rows += [(case, who, r, v) for _, who, case, _, v in tsv_rows(run(cmd))]
    say("\n(ns per parse, lower is better; each ratio is against the ctt contender of the same language)")
    res = {}
    for lang, refname in (("Rust", "Rust ctt-core parse_authentication_result"),
                          ("C", "C libctt (ctt_parse_authentication_result + accessors)"),
                          ("Python", "Python ctt.parse_authentication_result (+ fields)"),
                          ("Kotlin", None)):
        sub = [x for x in rows if x[1].startswith(lang + " ")]
        if sub:
            ref = {"*": refname} if refname else {"*": next((w for _, w, _, _ in sub if "ctt" in w), "")}
            res.update(table(f"{lang}:", sub, "ns", ref))
    for case in (Path(p).name for p in PAYLOADS):
        dc = res.get((case, "Python json.loads + dataclasses"))
        pd = res.get((case, "Python pydantic v2 model_validate_json"))
        cj = res.get((case, "C cJSON (same fields)"))
        if dc is not None:
            goal(f"3. Python ≥ 3× json.loads+dataclasses ({case})", f"{dc:.2f}×", dc >= 3)
        if pd is not None:
            goal(f"3. Python ≥ 1.2× pydantic ({case})", f"{pd:.2f}×", pd >= 1.2)
        if cj is not None:
            goal(f"3. C ≥ 1.0× cJSON ({case})", f"{cj:.2f}×", cj >= 1.0)
    rust_ref = "Rust ctt-core parse_authentication_result"
    c_ref = "C libctt (ctt_parse_authentication_result + accessors)"
    for case in (Path(p).name for p in PAYLOADS):
        a, b = res.get((case, rust_ref, "median")), res.get((case, c_ref, "median"))
        if a and b:
            # Not a clean difference: the C side includes its 13 accessors and the benchmark's
            # own buffer zeroing, and runs in another process.
            say(f"    {case}: C parse + accessors {b:.0f} ns vs Rust core parse alone {a:.0f} ns ({b / a:.2f}×)")


# --- 4. listener ------------------------------------------------------------------------------

def section_listener() -> None:
    secs, rounds = CFG["listener_secs"], CFG["listener_rounds"]
    say(f"\n## 4. Listener (`ctt-bench listener`: ctt-server Listener, state verified by FlowSigner, "
        f"channel sink drained): wrk -t1 -c64 -d{secs}s POSTing reference_callback.json to a URL with a "
        f"valid state token, {rounds} runs back to back")
    port = free_port()
    p = subprocess.Popen([BENCH, "listener", "--bind", f"127.0.0.1:{port}"], env=CHILD_ENV,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        first = p.stdout.readline().rstrip("\n").split("\t")
        if first[0] != "url":
            raise SystemExit(f"listener: unexpected first line {first}")
        url = first[1]
        body = Path(PAYLOADS[0]).read_text()
        lua = TMP / "callback.lua"
        lua.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                       f"wrk.body = {json.dumps(body)}\n")
        rss0 = rss_kib(p.pid)
        say(f"    RSS before: {rss0 / 1024:.1f} MiB")
        results, total = [], 0
        for r in range(rounds):
            w = parse_wrk(run(["wrk", "-t1", "-c64", f"-d{secs}s", "--latency", "-s", str(lua), url]))
            total += w["requests"]
            results.append(w)
            say(f"    run {r + 1}: {w['rps']:.0f} requests/s, p50 {w.get('p50', float('nan')):.2f} ms, "
                f"p99 {w.get('p99', float('nan')):.2f} ms, non-2xx {w['non2xx']}, "
                f"RSS after {rss_kib(p.pid) / 1024:.1f} MiB")
        rss1 = rss_kib(p.pid)
        p.stdin.close()
        tail = p.stdout.read()
        p.wait(30)
    finally:
        if p.poll() is None:
            p.kill()
    delivered = next((int(x.split("\t")[1]) for x in tail.splitlines() if x.startswith("delivered\t")), -1)
    # Correctness, not timing: every callback accepted and delivered as one event.
    if any(w["non2xx"] for w in results) or delivered < total:
        raise SystemExit(f"listener: {sum(w['non2xx'] for w in results)} refused callbacks, "
                         f"{delivered} events for {total} requests")
    rps = statistics.median(w["rps"] for w in results)
    p50 = statistics.median(w.get("p50", float("nan")) for w in results)
    p99 = statistics.median(w.get("p99", float("nan")) for w in results)
    non2xx = sum(w["non2xx"] for w in results)
    say(f"    median: {rps:.0f} requests/s, p50 {p50:.2f} ms, p99 {p99:.2f} ms; RSS {rss0 / 1024:.1f} → "
        f"{rss1 / 1024:.1f} MiB; events delivered {delivered} (wrk counted {total} completed requests, "
        f"{non2xx} non-2xx)")
    goal("4. listener ≥ 20,000 requests/s", f"{rps:.0f}/s", rps >= 20000)
    goal("4. listener p99 < 10 ms", f"{p99:.2f} ms", p99 < 10)
    goal("4. listener RSS flat", f"{rss0 / 1024:.1f} → {rss1 / 1024:.1f} MiB", rss1 <= rss0 * 1.5 + 4096)


# --- 5. footprint -----------------------------------------------------------------------------

def section_footprint() -> None:
    say("\n## 5. Footprint")
    stripped = TMP / "libctt.so"
    shutil.copy(LIBCTT, stripped)
    run(["strip", "--strip-unneeded", str(stripped)])
    so = stripped.stat().st_size
    wheel = Path(WHEEL).stat().st_size
    say(f"    libctt.so ({'debug build!' if SMOKE else 'release'}, stripped): {so / 1e6:.2f} MB ({so} bytes; unstripped {Path(LIBCTT).stat().st_size / 1e6:.2f} MB)")
    say(f"    wheel {Path(WHEEL).name}: {wheel / 1e6:.2f} MB ({wheel} bytes)")
    goal("5. stripped libctt.so < 8 MB", f"{so / 1e6:.2f} MB", so < 8e6)
    cmds = [
        ("python -c pass (interpreter alone)", f"{VPY} -c pass"),
        ('python -c "import ctt"', f"{VPY} -c 'import ctt'"),
        ('python -c "import json, dataclasses"', f"{VPY} -c 'import json, dataclasses'"),
        ('python -c "import pydantic"', f"{VPY} -c 'import pydantic'"),
        ('python -c "import httpx"', f"{VPY} -c 'import httpx'"),
        ("ctt --help", f"{CTT} --help"),
    ]
    rows = []
    for r in range(CFG["hf_rounds"]):
        k = r % len(cmds)
        order = cmds[k:] + cmds[:k]
        js = TMP / f"hf{r}.json"
        run(["hyperfine", "-N", "--warmup", "2", "--runs", str(CFG["hf_runs"]), "--export-json", str(js),
             *[c for _, c in order]])
        data = json.loads(js.read_text())["results"]
        names = {c: n for n, c in cmds}
        rows += [("start-up time", names[d["command"]], r, d["median"]) for d in data]
    res = table(f"hyperfine -N, {CFG['hf_runs']} runs × {CFG['hf_rounds']} rounds, median (lower is better)",
                rows, "s", {"*": 'python -c "import ctt"'})
    imp = res.get(("start-up time", 'python -c "import ctt"', "median"))
    base = res.get(("start-up time", "python -c pass (interpreter alone)", "median"))
    hlp = res.get(("start-up time", "ctt --help", "median"))
    if imp is not None:
        goal('5. python -c "import ctt" < 50 ms', f"{imp * 1000:.1f} ms (interpreter alone {base * 1000:.1f} ms)", imp < 0.05)
    if hlp is not None:
        goal("5. ctt --help < 20 ms", f"{hlp * 1000:.1f} ms", hlp < 0.02)


def main() -> None:
    say(f"# ctt benchmarks{' (SMOKE: tiny N, figures meaningless)' if SMOKE else ''}")
    say(f"date: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}; host: {os.uname().nodename}, "
        f"{os.cpu_count()} CPUs, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for tool in (["rustc", "--version"], [VPY, "--version"], ["gcc", "--version"], ["wrk", "--version"],
                 ["hyperfine", "--version"]):
        p = subprocess.run(tool, capture_output=True, text=True)
        say(f"  {(p.stdout or p.stderr).splitlines()[0] if (p.stdout or p.stderr) else tool[0]}")
    vers = run([VPY, "-c", "import ctt, httpx, requests, pydantic; print('ctt', ctt.__version__ if hasattr(ctt, '__version__') else '?', "
                            "'httpx', httpx.__version__, 'requests', requests.__version__, 'pydantic', pydantic.VERSION)"])
    say(f"  {vers.strip()}")
    only = [a for a in sys.argv[1:] if not a.startswith("--")]
    sections = {"client": section_client, "bulk": section_bulk, "parse": section_parse,
                "listener": section_listener, "footprint": section_footprint}
    start = time.time()
    try:
        for name, fn in sections.items():
            if not only or name in only:
                fn()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    say("\n## Goals (from issue 6; informational, never a test failure)")
    for name, measured, ok in GOALS:
        say(f"    [{'met' if ok else 'MISSED'}] {name}: {measured}")
    say(f"\nload average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; took {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
