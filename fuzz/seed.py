#!/usr/bin/env python3
"""Writes fuzz/corpus/<target>/ seeds from tests/fixtures/cases (run by fuzz/run.sh)."""
import hashlib
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent
CASES = ROOT.parent / "tests" / "fixtures" / "cases"
METHODS = ["GET", "POST", "HEAD", "PUT", "post"]
TYPES = [None, "application/json", "application/x-www-form-urlencoded", "text/plain"]


def put(target: str, data: bytes) -> None:
    d = ROOT / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


for f in sorted(CASES.glob("*.json")):
    for case in json.loads(f.read_text())["cases"]:
        i = case["input"]
        kind = i["kind"]
        if kind == "auth_result":
            body = i.get("body") if "body" in i else json.dumps(i["body_json"])
            put("callback_json", body.encode())
        elif kind == "redirect":
            put("redirect", i["url"].encode())
        elif kind == "action_url_response":
            put("action_url_answer", (i["status"] - 100).to_bytes(2, "big") + i["body"].encode())
        elif kind == "state_verify":
            put("state_verify", i["token"].encode())
        elif kind == "callback" and not i.get("body_fill"):
            m = METHODS.index(i["method"]) if i["method"] in METHODS else 0
            t = TYPES.index(i["content_type"]) if i["content_type"] in TYPES else 0
            put("handler", bytes([m + 5 * t]) + i["url"].encode() + b"\0" + (i["body"] or "").encode())
print("seeded", ", ".join(sorted(p.name for p in (ROOT / "corpus").iterdir())))
