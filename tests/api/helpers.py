"""Assertion helpers shared by the /v1 HTTP tests."""

from __future__ import annotations

import itertools
import re
import uuid
from typing import Any

import httpx

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$")
SECRET_RE = re.compile(r"^whsec_[0-9a-f]{32}$")
DEFAULT_KEY = "sk_test_emulator"
MAGIC_TO = "+15005550006"


_unused = itertools.count(1)


def new_id() -> str:
    """A well-formed id that names nothing. Counted, not random, so test ids
    used in parametrize are the same in every process (pytest-xdist)."""
    return str(uuid.UUID(int=0xDEAD0000_0000_4000_8000_000000000000 + next(_unused)))


def error_of(response: httpx.Response, status: int, *needles: str) -> str:
    """Assert an error answer: the status, a body of exactly ``{"error": str}``, and
    that the message mentions every needle. Returns the message."""
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {response.text}"
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    message = body["error"]
    assert isinstance(message, str) and message, body
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"
    return message


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


async def org_state(client: httpx.AsyncClient, org_id: str) -> dict[str, Any]:
    r = await client.get(f"/_emulator/orgs/{org_id}")
    assert r.status_code == 200, r.text
    return r.json()


async def set_balance(client: httpx.AsyncClient, org_id: str, milli_cents: int) -> None:
    r = await client.patch(f"/_emulator/orgs/{org_id}", json={"balance_milli_cents": milli_cents})
    assert r.status_code == 200, r.text
    assert r.json()["balance_milli_cents"] == milli_cents


async def page(client: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    """One list page; asserts the envelope is exactly ``{"data", "has_more"}``."""
    r = await client.get(path, params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"data", "has_more"}, body
    assert isinstance(body["data"], list) and isinstance(body["has_more"], bool)
    return body
