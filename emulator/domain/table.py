"""An insertion-ordered table with O(1) lookup, cursor pages and offset pages.

A dialect picks its pagination (cursor or offset with a total) and its parameter names;
the table serves both cheaply. ``len`` (the total without a filter) is O(1). An offset
page without a filter costs O(limit) when the table holds no tombstones, and a walk past
``offset`` rows otherwise; with a filter, both the page and its total cost a scan of the
whole table (a filter has to look at every row to count the matches).

Lists are newest first. A page starts from the cursor's position (a dict
lookup) and walks only as far as it must, so the cost of a page does not grow
with the number of stored rows (filters skip rows and pay for what they skip).

Removal leaves a tombstone, so the other rows keep their positions; once
tombstones outnumber live rows the list is rebuilt without them (amortised
O(1) per removal). Cursors are ids, looked up at each page, so a rebuild
between two pages moves nothing a client holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, Protocol, TypeVar, cast

from emulator.errors import InvalidRequest


class HasId(Protocol):
    id: str


T = TypeVar("T", bound=HasId)


class Table(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._rows: list[T | None] = []
        self._pos: dict[str, int] = {}
        self._dead = 0  # tombstones in _rows
        self.version = 0  # moves with every row added or removed (a kept page is current while it holds)

    def __len__(self) -> int:
        return len(self._pos)

    def __contains__(self, ident: str) -> bool:
        return ident in self._pos

    def add(self, row: T) -> T:
        self.version += 1
        self._pos[row.id] = len(self._rows)
        self._rows.append(row)
        return row

    def get(self, ident: str) -> T | None:
        pos = self._pos.get(ident)
        return None if pos is None else self._rows[pos]

    def remove(self, ident: str) -> None:
        # A tombstone keeps every other row's position valid (until the next rebuild).
        self.version += 1
        self._rows[self._pos.pop(ident)] = None
        self._dead += 1
        if self._dead > 64 and self._dead > len(self._pos):
            self._compact()

    def _compact(self) -> None:
        rows = [row for row in self._rows if row is not None]
        self._rows = [*rows]
        self._pos = {row.id: i for i, row in enumerate(rows)}
        self._dead = 0

    def oldest_first(self) -> Iterator[T]:
        return (row for row in self._rows if row is not None)

    def page(
        self,
        limit: int,
        after: str | None = None,
        before: str | None = None,
        where: Callable[[T], bool] | None = None,
        words: tuple[str, str] = ("after", "before"),
    ) -> tuple[list[T], bool]:
        """Up to ``limit`` rows newest first, and whether more lie beyond them.

        ``after=X``: rows older than X. ``before=X``: the rows newer than X that are
        closest to it (paging backwards). ``words``: the dialect's names for the two
        cursors, which the error messages use.
        """
        if after is not None and before is not None:
            raise InvalidRequest(f"use {words[0]} or {words[1]}, not both")
        if before is not None:
            rows, more = self._walk(self._cursor(before, words[1]) + 1, 1, limit, where)
            rows.reverse()
            return rows, more
        start = len(self._rows) - 1
        if after is not None:
            start = self._cursor(after, words[0]) - 1
        if where is None and not self._dead:  # no filter, no tombstones: the page is a slice
            low = max(0, start + 1 - limit)
            return cast(list[T], self._rows[low : start + 1][::-1]), low > 0
        return self._walk(start, -1, limit, where)

    def offset_page(self, offset: int, limit: int, where: Callable[[T], bool] | None = None) -> tuple[list[T], int]:
        """Up to ``limit`` rows newest first, past the first ``offset``, and the total."""
        if where is not None:  # one pass counts the matches and keeps only the page's rows
            window: list[T] = []
            total = 0
            for row in reversed(self._rows):
                if row is not None and where(row):
                    if offset <= total < offset + limit:
                        window.append(row)
                    total += 1
            return window, total
        total = len(self._pos)
        if not self._dead:  # positions are ranks: slice straight to the page
            end = max(0, len(self._rows) - offset)
            return cast(list[T], self._rows[max(0, end - limit) : end][::-1]), total  # no tombstones: no None
        found: list[T] = []
        skipped = 0  # tombstones shift the ranks: walk past the offset
        for row in reversed(self._rows):
            if row is None:
                continue
            if skipped < offset:
                skipped += 1
                continue
            if len(found) == limit:
                break
            found.append(row)
        return found, total

    def _cursor(self, ident: str, name: str) -> int:
        pos = self._pos.get(ident)
        if pos is None:
            raise InvalidRequest(f"{name}: no {self.kind} with id {ident} in this list")
        return pos

    def _walk(self, pos: int, step: int, limit: int, where: Callable[[T], bool] | None) -> tuple[list[T], bool]:
        rows = self._rows
        found: list[T] = []
        while 0 <= pos < len(rows):
            row = rows[pos]
            pos += step
            if row is None or (where is not None and not where(row)):
                continue
            if len(found) == limit:
                return found, True
            found.append(row)
        return found, False
