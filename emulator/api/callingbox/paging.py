"""CallingBox's pagination: cursors named starting_after / ending_before, ``has_more``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from emulator.api import http

WORDS = ("starting_after", "ending_before")
PAGE_PARAMS = ("limit", *WORDS)


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
