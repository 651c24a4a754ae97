#!/usr/bin/env python3
"""A webhook receiver for the ConnectToTeams consent flow, in plain standard-library style.

Give ``http://HOST:PORT/callback`` as the ``redirect_url`` of your getActionItemUrl calls. Each
callback (the JSON POST after registration/login, the ``?success=`` / ``?error=`` redirect after
a consent) is handed to ``ctt.CallbackHandler``, which verifies the state token that your
provisioning code added with the same key, and the outcome is printed as one JSON line.

    CTT_STATE_KEY=<64 hex digits> python webhook_receiver.py --port 8080

The same handler works in any framework: pass it the method, URL, headers and body.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import ctt

log = logging.getLogger("webhook_receiver")


def make_handler(callbacks: ctt.CallbackHandler, seen: threading.Semaphore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                event = callbacks.handle(self.command, self.path, dict(self.headers.items()), body)
            except ctt.StateRejectedError as e:
                self._answer(403, f"This link is not valid ({e.reason}).")
                return
            except ctt.CttError as e:
                self._answer(400, f"Not a consent callback: {e.message}")
                return
            # to_json() never contains a token: they appear as "[REDACTED]".
            print(event.to_json(), flush=True)
            if isinstance(event, ctt.AuthenticatedEvent):
                # Store event.result.access_token.expose() in your secret store here.
                pass
            if isinstance(event, ctt.ConsentFailedEvent):
                self._answer(200, f"The consent did not complete: {event.message}")
            else:
                self._answer(200, "Thank you, you can close this window.")
            seen.release()

        do_GET = _handle
        do_POST = _handle

        def _answer(self, status: int, text: str) -> None:
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            log.info(format, *args)

    return Handler


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    p.add_argument("--max-events", type=int, default=0, help="exit after this many events (0: never)")
    args = p.parse_args(argv)

    key_hex = os.environ.get("CTT_STATE_KEY")
    signer = ctt.FlowSigner(bytes.fromhex(key_hex)) if key_hex else None
    callbacks = ctt.CallbackHandler(signer=signer)
    seen = threading.Semaphore(0)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(callbacks, seen))
    host, port = server.server_address[:2]
    print(f"listening on http://{host!s}:{port}/callback", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for _ in range(args.max_events or sys.maxsize):
            seen.acquire()
    except KeyboardInterrupt:
        pass
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
