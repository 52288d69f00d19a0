"""Only `Authorization: Bearer sk_live_...` gets past; everything else is a 401."""

from __future__ import annotations

import pytest

from emulator.api.voxbridge import auth
from emulator.api.voxbridge.errors import VoxError, render_error


def test_a_live_key_is_taken() -> None:
    assert auth.bearer_key("Bearer sk_live_abc") == "sk_live_abc"
    assert auth.bearer_key("bearer  sk_live_abc ") == "sk_live_abc"
    assert auth.new_key("0" * 32) == "sk_live_" + "0" * 32


@pytest.mark.parametrize(
    "header, says",
    [
        (None, "Not authenticated"),
        ("", "Not authenticated"),
        ("sk_live_abc", "Invalid authorization header"),
        ("Basic sk_live_abc", "Invalid authorization header"),
        ("Bearer ", "Invalid authorization header"),
        ("Bearer sk_test_abc", "keys start with sk_live_"),
        ("Bearer whsec_abc", "keys start with sk_live_"),
        ("Bearer sk_live_" + "a" * 300, "keys start with sk_live_"),
        ("Bearer sk_live_é", "keys start with sk_live_"),
    ],
)
def test_anything_else_is_401(header: str | None, says: str) -> None:
    with pytest.raises(VoxError) as caught:
        auth.bearer_key(header)
    status, body, headers = render_error(caught.value)
    assert status == 401 and says in body["detail"] and headers == {"WWW-Authenticate": "Bearer"}
