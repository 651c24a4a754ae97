"""A forked child (multiprocessing's default start method on Linux) can use ctt: it gets a
runtime of its own instead of waiting forever on the parent's, whose threads it does not have."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
import warnings

import pytest

import ctt
import ctt.testing

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

CHILD_LIMIT_S = 30.0


def _blocking_and_async(base_url: str) -> str:
    """What the child does: one blocking and one async call, with clients of its own."""
    action = ctt.ActionType.USER_SYNC_CONSENT
    with ctt.Client(base_url, token=ctt.testing.DEMO_TOKEN, timeout=10) as c:
        blocking = c.get_action_item_url(action, "Forked Ltd", "https://example.com/cb").url

    async def one() -> str:
        async with ctt.AsyncClient(base_url, token=ctt.testing.DEMO_TOKEN, timeout=10) as ac:
            url = await ac.get_action_item_url(action, "Forked Ltd", "https://example.com/cb")
        return url.url

    awaited = asyncio.run(one())
    return "ok" if blocking.startswith("http") and awaited.startswith("http") else "bad urls"


def _run_in_child(base_url: str) -> tuple[int | None, str]:
    """Forks; returns the child's exit code (None if it had to be killed) and what it wrote."""
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12+ warns about forking a multi-threaded process: that is the point here.
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        os.close(read_end)
        # Not ctt's to fix: a lock of an output stream that a parent thread held at fork() time
        # stays held in the child (seen with pytest's captured stderr on Python 3.9), so the
        # child's log records must not reach a stream.
        logging.getLogger("ctt").setLevel(logging.CRITICAL)
        try:
            outcome = _blocking_and_async(base_url)
        except BaseException as e:  # noqa: BLE001 - reported to the parent
            outcome = f"{type(e).__name__}: {e}"
        os.write(write_end, outcome.encode())
        os._exit(0)
    os.close(write_end)
    deadline = time.monotonic() + CHILD_LIMIT_S
    code = None
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    with os.fdopen(read_end, "rb") as f:
        return code, f.read().decode()


def test_a_forked_child_gets_its_own_runtime(mock: ctt.testing.MockServer, client: ctt.Client) -> None:
    # The parent has used its runtime (and holds a pooled connection) before forking.
    assert client.get_action_item_url(ctt.ActionType.REGISTRATION, "Parent", "https://example.com/cb").url
    code, outcome = _run_in_child(mock.base_url)
    assert (code, outcome) == (0, "ok"), f"child exit {code}, said {outcome!r} (None: hung, killed)"
    # The parent's runtime is untouched.
    assert client.get_action_item_url(ctt.ActionType.REGISTRATION, "Parent", "https://example.com/cb").url
