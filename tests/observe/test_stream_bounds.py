"""Resuming from an id older than the feed's ring (of five items here)."""

from __future__ import annotations

import pytest

from emulator.config import Config
from tests.observe.conftest import Live


@pytest.fixture
def live_config() -> Config:
    return Config(stream_replay=5)


def test_a_resume_point_older_than_the_buffer_says_how_much_was_lost(live: Live) -> None:
    for _ in range(8):  # 8 items into a buffer of 5
        live.control.post("/_emulator/clock/advance", json={"seconds": 1})
    stream = live.stream(headers={"Last-Event-ID": "1"})
    gap = stream.next()
    assert gap.event == "gap" and gap.data["missed"] == 2 and gap.data["after"] == 1  # ids 2 and 3 are gone
    assert [stream.next().id for _ in range(5)] == [4, 5, 6, 7, 8]
