"""Each call's wire bytes, rendered once per change and served from memory until it changes.

Why: a call changes a handful of times and is read many times (clients poll it), and
rendering it (model_validate from the record, then to_json) was most of a read's cost.

An entry is ``(call, rev, extra, body)``; it serves a read only when the call is the very
object it was rendered from (identity: after a reset a new call can carry the same seeded id),
its ``rev`` has not moved (every write to a call is followed by ``records.touch``, which
gives it a new revision, higher than any before), and ``extra`` (any other input of the
rendering, such as what a link in it is made of) is the same.

A list page is kept the same way (``page``), while its table has had no row added or removed
and no call at all has been touched since (the last revision handed out): a poll of a list
that did not change is a dict lookup. Pages have their own byte budget (PAGE_BUDGET).

Bounded by bytes, not entries: at most ``budget`` bytes (each entry counts its body plus
ENTRY_OVERHEAD), so it never grows with the number of calls stored; when room is needed, the
entry kept longest ago goes first (first in, first out: a hit is then a plain dict lookup, with
no reordering; a call read for ever is re-rendered once per ``budget`` of newer renders, and a
call that changes is kept anew each time anyway). A body bigger than the whole budget is served
but not kept.

VERIFY (off by default; the test suite turns it on) re-renders on every hit and raises
StaleRendering, naming the call and the field that differs, when the kept bytes are not
what a fresh render gives (for pages too): a write that forgot its ``touch`` shows up there.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.domain.records import REVISIONS

DEFAULT_BUDGET = 8 * 1024 * 1024  # 8 MiB: ~5,000 calls of ~1.5 KB, far more than any poll loop reads
PAGE_BUDGET = 4 * 1024 * 1024  # kept list pages: ~30 pages of 100 calls, ~150 of 25
ENTRY_OVERHEAD = 224  # bytes an entry costs beyond its body: the tuple, key, dict slot, bytes header (~212 measured)
VERIFY = False

Render = Callable[[Any, Any], bytes]  # (call, extra) -> the call's wire bytes


class StaleRendering(AssertionError):
    """Kept bytes differ from a fresh render: a write to the call did not touch it (records.touch)."""


class Budgeted:
    """Entries in the order kept, each costing its body (the entry's last item) plus
    ENTRY_OVERHEAD: past ``budget`` bytes the oldest go, and one over the whole budget is not kept."""

    def __init__(self, budget: int) -> None:
        self.budget, self.size = budget, 0
        self.entries: dict[Any, tuple[Any, ...]] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def put(self, key: Any, entry: tuple[Any, ...]) -> None:
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= _cost(old)
        if _cost(entry) > self.budget:
            return
        self.entries[key] = entry
        self.size += _cost(entry)
        while self.size > self.budget:
            self.size -= _cost(self.entries.pop(next(iter(self.entries))))

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


def _cost(entry: tuple[Any, ...]) -> int:
    return len(entry[-1]) + ENTRY_OVERHEAD


class Rendered:
    """The wire bytes of calls, as ``render`` makes them, kept per call object; and list pages."""

    def __init__(self, render: Render, budget: int = DEFAULT_BUDGET) -> None:
        self.render = render
        self.renders = 0  # misses: bodies rendered to be kept (VERIFY's checks are not counted)
        # (call, rev, extra, body) by id(call): the entry holds the call, so no other live object has its id.
        self.bodies = Budgeted(budget)
        # (table, its version, the last revision of any call, body) by (id(table), query, extra). The
        # table is held weakly: a page kept after a reset must not keep the old state's calls alive.
        self.pages = Budgeted(PAGE_BUDGET)
        self.pages_built = 0  # list pages made (a kept one served is not counted)

    def __len__(self) -> int:
        return len(self.bodies)

    def get(self, call: Any, extra: Any = None) -> bytes:
        """The call's bytes: kept ones while current (a dict lookup, an identity and an int
        compare), else a fresh render, kept."""
        entry = self.bodies.entries.get(id(call))
        if entry is not None and entry[0] is call and entry[1] == call.rev and entry[2] == extra:
            if VERIFY:
                _verify(call, entry[3], self.render(call, extra))
            body: bytes = entry[3]
            return body
        body = self.render(call, extra)
        self.renders += 1
        self.bodies.put(id(call), (call, call.rev, extra, body))
        return body

    def many(self, calls: Iterable[Any], extra: Any = None) -> list[bytes]:
        """``[self.get(c, extra) for c in calls]``, with the hit path inlined: a page is 25 reads."""
        entries, out = self.bodies.entries, []
        for call in calls:
            entry = entries.get(id(call))
            if entry is not None and entry[0] is call and entry[1] == call.rev and entry[2] == extra and not VERIFY:
                out.append(entry[3])
            else:
                out.append(self.get(call, extra))
        return out

    def page(self, table: Any, query: bytes, extra: Any, build: Callable[[], bytes]) -> bytes:
        """A list page's bytes (``build`` makes them, or raises for a bad query: nothing kept), kept
        while nothing it shows can have changed: the same table object at the same version (no
        row added or removed) and no write to any call since (the last revision handed out).
        A poll of an unchanged list is then a dict lookup, whatever its query."""
        key = (id(table), query, extra)  # another table may get a dead one's id: the entry's ref tells
        entry = self.pages.entries.get(key)
        version, revision = table.version, REVISIONS.last  # as they are before the page is made
        if entry is not None and entry[0]() is table and entry[1] == version and entry[2] == revision:
            if VERIFY and entry[3] != build():
                raise StaleRendering(f"list page {query!r}: kept bytes are stale (a write to a call did not touch it)")
            kept: bytes = entry[3]
            return kept
        body = build()
        self.pages_built += 1
        self.pages.put(key, (weakref.ref(table), version, revision, body))
        return body

    def clear(self) -> None:
        self.bodies.clear()
        self.pages.clear()


def kept(request: Request, render: Render) -> Rendered:
    """The app's kept call bodies, made on first use. One per app, not per process: an app is
    served by one event loop, so the entries are never touched from two threads."""
    state = request.app.state
    try:
        found: Rendered = state.rendered_calls
    except AttributeError:  # the first read of this app
        found = state.rendered_calls = Rendered(render)
    return found


def join(head: bytes, rows: Iterable[bytes], tail: bytes) -> bytes:
    """A JSON list's document from rows already rendered: ``head`` + rows joined by commas + ``tail``
    (byte for byte what the serializer writes: compact, no spaces)."""
    return head + b",".join(rows) + tail


class JSONBytes(Response):
    """``Response(body, status, media_type="application/json")`` with its two headers made
    directly (content-length, then content-type, as starlette's init_headers writes them for a
    JSON body), skipping the general header logic a hot read does not need."""

    media_type = "application/json"

    def __init__(self, body: bytes, status: int = 200) -> None:
        self.status_code, self.body, self.background = status, body, None
        self.raw_headers = [(b"content-length", b"%d" % len(body)), (b"content-type", b"application/json")]


def respond(body: bytes, status: int = 200) -> Response:
    """As http.respond answers a model: the same status, headers and media type."""
    return JSONBytes(body, status)


def _verify(call: Any, kept: bytes, fresh: bytes) -> None:
    if kept == fresh:
        return
    old, new = json.loads(kept), json.loads(fresh)
    names = sorted(k for k in {*old, *new} if old.get(k) != new.get(k)) if isinstance(old, dict) else []
    raise StaleRendering(
        f"call {getattr(call, 'id', '?')}: kept bytes are stale in {', '.join(names) or 'their layout'} "
        f"(a write to the call did not touch it)"
    )
