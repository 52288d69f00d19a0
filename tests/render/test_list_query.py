"""GET /v1/calls answers a plain query (none, or only a limit) without parsing it: the answer must
be the one the full checks give, and everything else must still get the full checks."""

from __future__ import annotations

import pytest

from .conftest import Served
from .test_kept import cb_place


async def make_calls(cb: Served, n: int) -> None:
    first = await cb_place(cb)
    for _ in range(n - 1):
        await cb.ok("POST", "/v1/calls", 201, json={"agent_id": first["agent_id"], "to": "+15005550006"})


@pytest.mark.parametrize(
    ("plain", "parsed"),
    [
        ("", "limit=%2B25"),
        ("limit=25", "limit=025"),
        ("limit=1", "limit=%31"),
        ("limit=7", "limit=%37"),
        ("limit=99", "limit=099"),
        ("limit=100", "limit=0100"),
    ],
)
async def test_a_plain_limit_answers_as_the_full_checks_do(cb: Served, plain: str, parsed: str) -> None:
    await make_calls(cb, 30)
    fast = await cb.client.get(f"/v1/calls?{plain}")
    full = await cb.client.get(f"/v1/calls?{parsed}")
    assert fast.status_code == full.status_code == 200
    assert fast.content == full.content and fast.headers == full.headers
    body = fast.json()
    wanted = int(plain.removeprefix("limit=") or 25)
    assert len(body["data"]) == min(wanted, 30) and body["has_more"] is (wanted < 30)


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("limit=0", "limit: must be an integer from 1 to 100 (got '0')"),
        ("limit=101", "limit: must be an integer from 1 to 100 (got '101')"),
        ("limit=", "limit: must be an integer from 1 to 100 (got '')"),
        ("limit=5&limit=5", "limit"),
        ("limit=5&", None),
        ("limits=5", "limits"),
        ("limit=5&status=bogus", "status: must be one of"),
        ("limit=5%00", "limit: must be an integer from 1 to 100"),
    ],
)
async def test_anything_else_still_gets_the_full_checks(cb: Served, query: str, error: str | None) -> None:
    await make_calls(cb, 3)
    r = await cb.client.get(f"/v1/calls?{query}")
    if error is None:  # an empty pair after the limit: the full parse ignores it
        assert r.status_code == 200 and len(r.json()["data"]) == 3
    else:
        assert r.status_code == 400, r.text
        assert error in r.json()["error"]
