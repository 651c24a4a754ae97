#!/usr/bin/env python3
"""Bulk "send consent links": for every enterprise of a CSV file, ask ConnectToTeams for the
action URLs its Global Admin must open (the consent plan of the services it uses) and write
them to a CSV you can mail-merge. One failing enterprise never stops the run.

Input CSV columns: ``enterprise`` and optionally ``services`` (``pbx;sms;call_app``).
Output CSV columns: ``enterprise, action_type, optional, url, error``.

    CTT_BASE_URL=https://api.connecttoteams.com CTT_TOKEN=… \\
    CTT_STATE_KEY=<64 hex digits> \\
        python send_consent_links.py enterprises.csv links.csv --redirect-url https://you.example/callback

Credentials: ``CTT_TOKEN``, or ``CTT_CLIENT_ID``/``CTT_CLIENT_SECRET``/``CTT_USERNAME``/
``CTT_PASSWORD`` for the password grant.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
from typing import Any

import ctt


def client_from_env() -> ctt.Client:
    base = os.environ.get("CTT_BASE_URL", ctt.DEFAULT_BASE_URL)
    if os.environ.get("CTT_TOKEN"):
        return ctt.Client(base, token=ctt.Secret(os.environ["CTT_TOKEN"]))
    return ctt.Client(
        base,
        client_id=os.environ["CTT_CLIENT_ID"],
        client_secret=ctt.Secret(os.environ["CTT_CLIENT_SECRET"]),
        username=os.environ["CTT_USERNAME"],
        password=ctt.Secret(os.environ["CTT_PASSWORD"]),
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="CSV with an 'enterprise' column (and optionally 'services')")
    p.add_argument("output", help="where to write the links")
    p.add_argument("--redirect-url", required=True, help="your webhook (see webhook_receiver.py)")
    p.add_argument("--concurrency", type=int, default=16)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    key_hex = os.environ.get("CTT_STATE_KEY")
    signer = ctt.FlowSigner(bytes.fromhex(key_hex)) if key_hex else None

    requests: list[ctt.ActionUrlRequest] = []
    steps: list[tuple[str, ctt.PlanStep]] = []
    with open(args.input, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            services = [s for s in (row.get("services") or "").split(";") if s.strip()]
            for step in ctt.consent_plan(services):
                requests.append(
                    ctt.ActionUrlRequest(step.action_type, row["enterprise"], args.redirect_url, state=signer)
                )
                steps.append((row["enterprise"], step))

    done = 0

    def progress(_index: int, _ok: bool) -> None:
        nonlocal done
        done += 1
        if done % 100 == 0:
            print(f"{done}/{len(requests)}", file=sys.stderr)

    with client_from_env() as client:
        results = client.get_action_item_urls(requests, concurrency=args.concurrency, on_done=progress)

    failures = 0
    with open(args.output, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["enterprise", "action_type", "optional", "url", "error"])
        for (enterprise, step), result in zip(steps, results):
            line: list[Any] = [enterprise, step.action_type.value, step.optional]
            if isinstance(result, ctt.ActionUrl):
                line += [result.url, ""]
            else:
                failures += 1
                line += ["", f"{type(result).__name__}: {result.message}"]
            w.writerow(line)
    print(f"{len(results) - failures} links, {failures} failures -> {args.output}", file=sys.stderr)
    return 1 if failures and failures == len(results) else 0


if __name__ == "__main__":
    sys.exit(main())
