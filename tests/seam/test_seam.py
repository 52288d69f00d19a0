"""The dialect seam through its public surface: a dialect's profile decides key and secret
formats, event names and the webhook format of each delivery; the store serves offset pages
with a total; an unknown dialect is refused by name."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest

from emulator.api.app import create_app
from emulator.api.callingbox.dialect import DIALECT, PROFILE
from emulator.api.dialects import Dialect, get
from emulator.config import Config
from emulator.dialect import ENDED, NEUTRAL, RESULT, STATUS, Change
from emulator.domain.table import Table
from emulator.runtime import Emulator
from emulator.webhooks.format import RetryPolicy

BASE = "http://emulator.test"


@dataclass
class Row:
    id: str
    even: bool


def table_of(n: int) -> Table[Row]:
    table: Table[Row] = Table("row")
    for i in range(n):
        table.add(Row(f"r{i}", i % 2 == 0))
    return table


def test_offset_pages_are_newest_first_with_the_total() -> None:
    table = table_of(10)
    rows, total = table.offset_page(3, 4)
    assert [r.id for r in rows] == ["r6", "r5", "r4", "r3"] and total == 10
    assert table.offset_page(8, 5) == ([table.get("r1"), table.get("r0")], 10)
    assert table.offset_page(10, 5) == ([], 10) and table.offset_page(50, 5) == ([], 10)


def test_offset_pages_skip_tombstones_and_count_filters() -> None:
    table = table_of(200)
    for i in range(0, 200, 3):  # past the compaction threshold too
        table.remove(f"r{i}")
    alive = [f"r{i}" for i in reversed(range(200)) if i % 3]
    rows, total = table.offset_page(17, 9)
    assert [r.id for r in rows] == alive[17:26] and total == len(alive)
    even = [i for i in alive if int(i[1:]) % 2 == 0]
    rows, total = table.offset_page(5, 4, where=lambda r: r.even)
    assert [r.id for r in rows] == even[5:9] and total == len(even)


def test_a_large_offset_page_reads_only_its_rows() -> None:
    table = table_of(200_000)
    rows, total = table.offset_page(199_990, 25)
    assert [r.id for r in rows] == [f"r{i}" for i in range(9, -1, -1)] and total == 200_000


@pytest.mark.parametrize(
    "gone", [[], [0, 3, 9, 150, 199], list(range(120))], ids=["no tombstones", "a few", "compacted"]
)
def test_cursor_pages_walk_every_row_once_in_order_with_or_without_tombstones(gone: list[int]) -> None:
    table = table_of(200)
    for i in gone:
        table.remove(f"r{i}")
    alive = [f"r{i}" for i in reversed(range(200)) if i not in gone]
    for limit in (1, 7, 25, len(alive), len(alive) + 1):
        seen: list[str] = []
        after = None
        while True:
            rows, more = table.page(limit=limit, after=after)
            seen += [r.id for r in rows]
            assert more == (len(seen) < len(alive))  # the last page says so, and no other
            if not more:
                break
            after = rows[-1].id
        assert seen == alive
    rows, more = table.page(limit=5, before=alive[10])  # backwards: the five just newer, oldest last
    assert [r.id for r in rows] == alive[5:10] and more


def test_cursor_words_come_from_the_caller() -> None:
    table = table_of(3)
    with pytest.raises(Exception) as raised:
        table.page(2, after="nope", words=("from_id", "to_id"))
    assert "from_id: no row with id nope" in str(raised.value)
    with pytest.raises(Exception) as raised:
        table.page(2, after="r1", before="r2", words=("from_id", "to_id"))
    assert "use from_id or to_id, not both" in str(raised.value)


def test_an_unknown_dialect_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"unknown dialect 'nope'; known: callingbox"):
        create_app(Emulator(Config()), "nope")
    assert get() is DIALECT and get("callingbox") is DIALECT


def test_the_profile_arrives_without_moving_the_seeded_stream() -> None:
    bare = Emulator(Config(seed=7))
    assert bare.profile is NEUTRAL and bare.config.api_key == NEUTRAL.default_api_key
    assert bare.default_org.default_signing_secret.startswith(NEUTRAL.secret_prefix)
    create_app(bare)
    direct = Emulator(Config(seed=7), profile=PROFILE)
    assert bare.config.api_key == direct.config.api_key == "sk_test_emulator"
    assert bare.default_org.id == direct.default_org.id
    assert bare.default_org.default_signing_secret == direct.default_org.default_signing_secret
    assert bare.default_org.default_signing_secret.startswith("whsec_")
    assert bare.ids.random.getstate() == direct.ids.random.getstate()


def test_neutral_changes_in_lifecycle_order() -> None:
    """What the core publishes for one answered call, before any dialect names it."""
    seen: list[Change] = []
    emulator = Emulator(Config(), profile=PROFILE)
    emulator.bus.watch(seen.append)
    asyncio.run(_place_call(emulator, DIALECT))
    emulator.advance(600)
    kinds = [(c.kind, c.before, c.after) for c in seen]
    assert kinds == [
        (STATUS, None, "queued"),
        (STATUS, "queued", "initiated"),
        (STATUS, "initiated", "ringing"),
        (STATUS, "ringing", "in_progress"),
        (ENDED, None, None),
        (STATUS, "in_progress", "completed"),
        (RESULT, None, None),
    ]


class JsonLinesFormat:
    """A second webhook format, to show a delivery uses the one its row names."""

    name = "plain"
    timeout = None
    retry = RetryPolicy(delays=(0,), jitter=0.0, auto_disable_after=10)

    def render(self, delivery: Any) -> bytes:
        return json.dumps({"event": delivery.event_type, "call": delivery.call_id}).encode()

    def headers(self, delivery: Any, body: bytes, secret: str, wall_time: int) -> dict[str, str]:
        return {"Content-Type": "application/json", "X-Plain-Event": delivery.event_type}

    def verify(self, headers: dict[str, str], body: bytes, secrets: list[str], now: float) -> str:
        raise NotImplementedError

    def identify(self, headers: dict[str, str]) -> tuple[str | None, str | None, str | None]:
        return None, headers.get("x-plain-event"), None


def _renamed(change: Change) -> tuple[str, ...]:
    if change.kind == STATUS and change.after in ("queued", "completed"):
        return (f"plain.{change.after}",)
    return ("plain.result",) if change.kind == RESULT else ()


async def _place_call(emulator: Emulator, dialect: Dialect, **fields: Any) -> dict[str, Any]:
    app = create_app(emulator, dialect)
    headers = {"Authorization": f"Bearer {emulator.config.api_key}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, headers=headers) as c:
        available = (await c.get("/v1/numbers/available", params={"area_code": "415", "limit": 1})).json()
        number = (await c.post("/v1/numbers/purchase", json={"phone_number": available[0]["phone_number"]})).json()
        agent = (
            await c.post(
                "/v1/agents", json={"name": "a", "type": "outbound", "persona": "p", "number_ids": [number["id"]]}
            )
        ).json()
        answer = await c.post("/v1/calls", json={"agent_id": agent["id"], "to": "+15005550006", **fields})
        assert answer.status_code == 201, answer.text
        return answer.json()


def test_a_dialect_names_its_events_and_its_deliveries_use_its_format() -> None:
    plain = JsonLinesFormat()
    profile = replace(
        PROFILE,
        name="plain",
        events=_renamed,
        event_types=("plain.queued", "plain.completed"),
        webhook_format=plain.name,
        formats={plain.name: plain},
    )
    dialect = replace(DIALECT, name="plain", profile=profile)
    emulator = Emulator(Config())
    call = asyncio.run(_place_call(emulator, dialect, webhook_url="http://127.0.0.1:9/hook"))
    emulator.advance(600)
    org = emulator.default_org
    rows = list(org.deliveries.oldest_first())
    assert [(d.event_type, d.format) for d in rows] == [
        ("plain.queued", "plain"),
        ("plain.completed", "plain"),
        ("plain.result", "plain"),
    ]
    assert [e.type for e in emulator.history.events(call_id=call["id"])] == [
        "plain.queued",
        "plain.completed",
        "plain.result",
    ]
    assert plain.render(rows[0]) == json.dumps({"event": "plain.queued", "call": call["id"]}).encode()


def test_errors_carry_a_kind_and_the_field_and_callingbox_words_its_own() -> None:
    from emulator.api.callingbox.errors import describe, render
    from emulator.errors import InsufficientCredits, InvalidRequest, NotFound

    bad = InvalidRequest("to: must be a US number in E.164 form")
    assert (bad.kind, bad.field) == ("validation", "to")
    assert (NotFound.of("call", "x").kind, NotFound.of("call", "x").field) == ("not_found", None)
    short = InsufficientCredits(
        "the balance is too low",
        detail={"reason": "call_hold", "available_milli_cents": 188_000, "required_milli_cents": 300_000},
    )
    assert short.kind == "quota" and short.message == "the balance is too low"
    assert describe(short) == (
        "Calls paused. Your balance is $1.88 but each call requires a $3.00 hold (we "
        "release it back if no one answers). Add $1.12 or more in credits to keep calling."
    )
    answer = render(short)
    assert answer.status_code == 402 and json.loads(answer.body) == {"error": describe(short)}
    assert render(bad).status_code == 400 and json.loads(render(bad).body) == {"error": bad.message}
