"""Bound with a control token, the dashboard asks for it, keeps it for the tab, and goes live."""

from __future__ import annotations

from typing import Any

import pytest

from emulator.config import Config
from tests.browser.conftest import Live
from tests.browser.test_dashboard import row_status


@pytest.fixture
def live_config() -> Config:
    return Config(control_token="s3cret-token")


def test_the_page_asks_for_the_control_token_when_one_is_set(page: Any, live: Live) -> None:
    page.goto(f"{live.base_url}/_emulator/ui")
    page.locator("#token-form").wait_for()
    page.fill("#token", "s3cret-token")
    page.click("#token-form button")
    page.locator("#live.live").wait_for()
    call = live.call(live.agent()["id"])
    row_status(page, call["id"], "queued")
