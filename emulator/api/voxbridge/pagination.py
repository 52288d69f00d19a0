"""``GET /v1/calls`` query: ``status``, ``limit`` (1-100, default 25), ``offset`` (>= 0),
checked as FastAPI would (422 naming the parameter), plus: unknown and repeated
parameters are refused (a misspelt ``stauts`` would otherwise list every call)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from emulator.api.voxbridge.errors import VoxError
from emulator.api.voxbridge.wire import STATUSES

DEFAULT_LIMIT, MAX_LIMIT = 25, 100
MAX_OFFSET = 10**9
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ListQuery:
    status: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0


def parse(params: Iterable[tuple[str, str]]) -> ListQuery:
    seen: dict[str, str] = {}
    for name, value in params:
        if name not in ("status", "limit", "offset"):
            raise VoxError("validation", "Extra inputs are not permitted", ["query", name[:100]], "extra_forbidden")
        if name in seen:
            raise VoxError("validation", f"{name} is given more than once", ["query", name], "value_error")
        seen[name] = value
    status = seen.get("status")
    if status is not None and status not in STATUSES:
        allowed = ", ".join(f"'{s}'" for s in STATUSES)
        raise VoxError("validation", f"Input should be {allowed}", ["query", "status"], "enum")
    limit = _int(seen, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int(seen, "offset", 0, 0, MAX_OFFSET)
    return ListQuery(status, limit, offset)


def _int(seen: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    text = seen.get(name)
    if text is None:
        return default
    # Digits only and short: int() would take " 5", "5_0" and 5,000-digit strings.
    body = text[1:] if text[:1] == "-" else text
    if not (body.isascii() and body.isdigit()) or len(body) > 12:
        raise VoxError(
            "validation",
            "Input should be a valid integer, unable to parse string as an integer",
            ["query", name],
            "int_parsing",
        )
    value = int(text)
    if value < low:
        raise VoxError(
            "validation", f"Input should be greater than or equal to {low}", ["query", name], "greater_than_equal"
        )
    if value > high:
        raise VoxError(
            "validation", f"Input should be less than or equal to {high}", ["query", name], "less_than_equal"
        )
    return value


def page(newest_first: Sequence[T], query: ListQuery) -> tuple[list[T], int]:
    """(this page's items, total matching): ``newest_first`` is already filtered."""
    return list(newest_first[query.offset : query.offset + query.limit]), len(newest_first)
