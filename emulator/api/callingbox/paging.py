"""CallingBox's pagination: cursors named starting_after / ending_before, ``has_more``."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request

from emulator.api import http

WORDS = ("starting_after", "ending_before")
PAGE_PARAMS = ("limit", *WORDS)
# No query, or a plain limit from 1 to 100 and nothing else: what nearly every list request
# sends (SDKs, poll loops). Matched on the raw bytes, it skips building and checking the
# parsed query (~10 us, a quarter of a list); any other query takes the full checks, which
# answer these the same.
_PLAIN = re.compile(rb"(?:limit=([1-9][0-9]?|100))?")


def page_params(request: Request, default: int = 25, high: int = 100, filters: tuple[str, ...] = ()) -> dict[str, Any]:
    """The cursor parameters of a list, once every parameter is known (``filters`` are the list's own),
    as keyword arguments of ``Table.page`` (and ``Deliveries.page``)."""
    http.only_params(request, *PAGE_PARAMS, *filters)
    return {
        "limit": http.query_int(request, "limit", default, 1, high),
        "after": http.query_id(request, WORDS[0]),
        "before": http.query_id(request, WORDS[1]),
        "words": WORDS,
    }


def plain_limit(request: Request, default: int = 25) -> int | None:
    """The limit of a query that holds nothing but an in-range limit (``default`` when empty);
    None for any other query, which ``page_params`` checks in full."""
    match = _PLAIN.fullmatch(request.scope["query_string"])
    if match is None:
        return None
    return int(match[1]) if match[1] else default
