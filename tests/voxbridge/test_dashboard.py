"""The dashboard under --dialect voxbridge in headless Chromium: a call's row and page show the
dialect's call (disposition, structured answers) and the page raises nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser.conftest import TIMEOUT_MS, Live, browser  # noqa: F401  (the module-scoped Chromium)

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread


@pytest.fixture
def vox_live() -> Iterator[Live]:
    emulator = Emulator(Config(dialect="voxbridge", conformance="strict"))
    with ServerThread(emulator) as server:
        handle = Live(server, emulator)
        yield handle
        handle.control.close()
        handle.api.close()


@pytest.fixture
def tab(browser: Any) -> Iterator[Any]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"the page raised: {errors}"


def test_a_voxbridge_call_in_the_dashboard(tab: Any, vox_live: Live) -> None:
    call = vox_live.ok(vox_live.api, "POST", "/v1/calls/outbound", 201, json={"to": "+15005550001", "max_attempts": 1})
    vox_live.ok(vox_live.control, "POST", "/_emulator/clock/run_until_idle", json={})
    tab.goto(f"{vox_live.base_url}/_emulator/ui#/calls")
    tab.locator("#live.live").wait_for()
    row = tab.locator(f'tr[data-call="{call["id"]}"]')
    row.wait_for()
    assert "busy" in row.inner_text() and "undefined" not in row.inner_text()
    tab.goto(f"{vox_live.base_url}/_emulator/ui#/call/{call['id']}")
    text = tab.locator("#call").inner_text()
    for expected in ("call.queued", "call.ended", "+15005550001", "Line busy"):
        assert expected in text, expected
    assert "undefined" not in text
