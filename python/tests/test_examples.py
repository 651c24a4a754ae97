"""The two examples, run as scripts against the mock."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

import ctt
import ctt.testing
from conftest import EXAMPLES

KEY_HEX = "11" * 32


def env(**extra: str) -> Dict[str, str]:
    e = dict(os.environ)
    e.update(extra)
    return e


def test_webhook_receiver(mock: ctt.testing.MockServer, client: ctt.Client) -> None:
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "webhook_receiver.py"), "--port", "0", "--max-events", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(CTT_STATE_KEY=KEY_HEX),
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().strip()
        assert first.startswith("listening on http://127.0.0.1:"), first
        callback = first.split(" ", 2)[2]
        signer = ctt.FlowSigner(bytes.fromhex(KEY_HEX))
        # A callback without a valid state token is refused (and not counted as an event).
        forged = client.get_action_item_url("GET_CDR_CONSENT", "Fabrikam", callback)
        assert mock.consent(forged, "approve").status == 403
        cases = [
            (ctt.ActionType.REGISTRATION, "approve", "authenticated"),
            (ctt.ActionType.USER_SYNC_CONSENT, "approve", "consent_succeeded"),
            (ctt.ActionType.CDR_CONSENT, "deny", "consent_failed"),
        ]
        for action, decision, kind in cases:
            url = client.get_action_item_url(action, "Fabrikam", callback, state=signer)
            delivery = mock.consent(url, decision)
            assert delivery.status == 200, delivery.response_body
            event = json.loads(proc.stdout.readline())
            assert event["kind"] == kind
            assert event["state"]["action_type"] == action.value
            assert event["state"]["enterprise_name"] == "Fabrikam"
        assert proc.wait(timeout=30) == 0
    finally:
        proc.kill()
        proc.wait()


def test_send_consent_links(mock: ctt.testing.MockServer, tmp_path: Path) -> None:
    src = tmp_path / "enterprises.csv"
    out = tmp_path / "links.csv"
    with src.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["enterprise", "services"])
        for i in range(60):
            w.writerow([f"Enterprise {i}", "pbx;sms" if i % 2 else "call_app;call_recording"])
        w.writerow(["   ", ""])  # an invalid name: its rows fail, the run goes on
    r = subprocess.run(
        [
            sys.executable,
            str(EXAMPLES / "send_consent_links.py"),
            str(src),
            str(out),
            "--redirect-url",
            "https://provider.example/ctt/callback",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env(
            CTT_BASE_URL=mock.base_url,
            CTT_CLIENT_ID=ctt.testing.DEMO_CLIENT_ID,
            CTT_CLIENT_SECRET=ctt.testing.DEMO_CLIENT_SECRET,
            CTT_USERNAME=ctt.testing.DEMO_USERNAME,
            CTT_PASSWORD=ctt.testing.DEMO_PASSWORD,
            CTT_STATE_KEY=KEY_HEX,
        ),
    )
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.open(newline="")))
    good = [x for x in rows if x["url"]]
    bad = [x for x in rows if x["error"]]
    plan_pbx = len(ctt.consent_plan(["pbx", "sms"]))
    plan_call = len(ctt.consent_plan(["call_app", "call_recording"]))
    assert len(good) == 30 * plan_pbx + 30 * plan_call
    assert bad and all(x["error"].startswith("InvalidInputError: enterpriseName") for x in bad)
    assert all(x["url"].startswith(mock.base_url) for x in good)
    assert ctt.testing.DEMO_PASSWORD not in r.stderr + r.stdout
    assert f"{len(good)} links, {len(bad)} failures" in r.stderr
