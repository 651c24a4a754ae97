"""Test your own code against something that behaves like the ConnectToTeams API.

``MockServer`` is the embedded mock (ctt-server) running in this process on loopback: a token
endpoint, ``getActionItemUrl``, and a simulated Global Admin (``consent``) who approves or denies
and delivers the outcome to your redirect URL exactly as the real service does. Queue faults
(``push_fault``) to see how your code copes with errors, and read ``requests()`` (secrets
redacted) to check what it sent.

The demo credentials below are public test values, accepted by every MockServer by default.
"""

from __future__ import annotations

from ._native import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_PASSWORD,
    DEMO_TOKEN,
    DEMO_USERNAME,
    ConsentDelivery,
    MockServer,
    RecordedRequest,
)

__all__ = [
    "DEMO_CLIENT_ID",
    "DEMO_CLIENT_SECRET",
    "DEMO_PASSWORD",
    "DEMO_TOKEN",
    "DEMO_USERNAME",
    "ConsentDelivery",
    "MockServer",
    "RecordedRequest",
]
