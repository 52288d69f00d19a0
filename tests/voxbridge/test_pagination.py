"""GET /v1/calls query: status, limit 1-100 (25), offset >= 0, as FastAPI checks them."""

from __future__ import annotations

import pytest

from emulator.api.voxbridge import pagination
from emulator.api.voxbridge.errors import VoxError, render_error


def test_defaults_and_values() -> None:
    assert pagination.parse([]) == pagination.ListQuery(None, 25, 0)
    assert pagination.parse([("status", "queued"), ("limit", "100"), ("offset", "40")]) == pagination.ListQuery(
        "queued", 100, 40
    )


@pytest.mark.parametrize(
    "params, loc, kind",
    [
        ([("limit", "0")], "limit", "greater_than_equal"),
        ([("limit", "101")], "limit", "less_than_equal"),
        ([("limit", "-1")], "limit", "greater_than_equal"),
        ([("offset", "-1")], "offset", "greater_than_equal"),
        ([("limit", "ten")], "limit", "int_parsing"),
        ([("limit", " 5")], "limit", "int_parsing"),
        ([("limit", "5_0")], "limit", "int_parsing"),
        ([("offset", "9" * 5000)], "offset", "int_parsing"),
        ([("limit", "")], "limit", "int_parsing"),
        ([("offset", "١")], "offset", "int_parsing"),
        ([("offset", "1000000001")], "offset", "less_than_equal"),
        ([("status", "no_answer")], "status", "enum"),
        ([("stauts", "queued")], "stauts", "extra_forbidden"),
        ([("limit", "5"), ("limit", "6")], "limit", "value_error"),
    ],
)
def test_bad_queries_are_422_naming_the_parameter(params: list[tuple[str, str]], loc: str, kind: str) -> None:
    with pytest.raises(VoxError) as caught:
        pagination.parse(params)
    status, body, _ = render_error(caught.value)
    assert status == 422 and body["detail"][0]["loc"] == ["query", loc] and body["detail"][0]["type"] == kind


def test_page_slices_and_counts() -> None:
    items = list(range(60))
    assert pagination.page(items, pagination.ListQuery(None, 25, 50)) == (list(range(50, 60)), 60)
    assert pagination.page(items, pagination.ListQuery(None, 25, 100)) == ([], 60)
