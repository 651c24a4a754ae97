"""Shared fixtures: a MockServer and a Listener per test, on loopback."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

import ctt
import ctt.testing

HERE = Path(__file__).resolve().parent
FIXTURES = Path(os.environ.get("CTT_FIXTURES", HERE.parent.parent / "tests" / "fixtures" / "cases"))
EXAMPLES = Path(os.environ.get("CTT_EXAMPLES", HERE.parent / "examples"))


@pytest.fixture
def mock() -> Iterator[ctt.testing.MockServer]:
    with ctt.testing.MockServer() as m:
        yield m


@pytest.fixture
def listener() -> Iterator[ctt.Listener]:
    with ctt.Listener() as l:
        yield l


@pytest.fixture
def client(mock: ctt.testing.MockServer) -> Iterator[ctt.Client]:
    with ctt.Client(mock.base_url, token=ctt.testing.DEMO_TOKEN, retry_base_delay=0.01) as c:
        yield c
