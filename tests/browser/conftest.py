"""Headless Chromium (Debian's `chromium`) driven by Playwright, with no browser download.

When the browser or Playwright is missing the tests fail and say why: they never skip.
Screenshots go to $BROWSER_ARTIFACTS (default: test-artifacts/browser/ at the repository root).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.runtime import Emulator
from emulator.server import ServerThread

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "test-artifacts" / "browser"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 20_000  # generous: two shared cores


def chromium_path() -> str:
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        found = name and shutil.which(name)
        if found:
            return found
    pytest.fail(
        "no Chromium: install Debian's `chromium` package (apt-get install -y chromium; .ci/run does it), "
        "or point $CHROMIUM at a Chromium binary",
        pytrace=False,
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module: Playwright's sync API holds an event loop in this thread while it runs,
    which in-process tests of other folders (pytester's inline runs) must not find there."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.fail(f"Playwright is not installed ({exc}): pip install -e '.[test]'", pytrace=False)
    executable = chromium_path()
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - the reason is the message
            pytest.fail(f"Chromium at {executable} would not start: {exc}", pytrace=False)
        yield chromium
        chromium.close()


class Live:
    def __init__(self, server: ServerThread, emulator: Emulator, token: str | None = None) -> None:
        self.server, self.emulator, self.base_url = server, emulator, server.base_url
        headers = {"X-Emulator-Token": token} if token else {}
        self.control = httpx.Client(base_url=self.base_url, timeout=60, headers=headers)
        self.api = httpx.Client(
            base_url=self.base_url, timeout=60, headers={"Authorization": f"Bearer {emulator.config.api_key}"}
        )

    def ok(self, client: httpx.Client, method: str, path: str, status: int = 200, **kwargs: Any) -> Any:
        r = client.request(method, path, **kwargs)
        assert r.status_code == status, f"{method} {path} -> {r.status_code} {r.text}"
        return r.json()

    def agent(self) -> dict[str, Any]:
        found = self.ok(self.api, "GET", "/v1/numbers/available", params={"area_code": "415", "limit": 1})
        number = self.ok(self.api, "POST", "/v1/numbers/purchase", 201, json={"phone_number": found[0]["phone_number"]})
        return self.ok(
            self.api,
            "POST",
            "/v1/agents",
            201,
            json={"name": "Dashboard", "type": "outbound", "number_ids": [number["id"]]},
        )

    def call(self, agent_id: str, to: str = "+15005550006") -> dict[str, Any]:
        return self.ok(self.api, "POST", "/v1/calls", 201, json={"agent_id": agent_id, "to": to})


@pytest.fixture
def live_config() -> Config:
    return Config()


@pytest.fixture
def live(live_config: Config) -> Iterator[Live]:
    emulator = Emulator(live_config)
    with ServerThread(emulator) as server:
        handle = Live(server, emulator, live_config.control_token)
        yield handle
        handle.control.close()
        handle.api.close()


@pytest.fixture
def page(browser: Any, live: Live, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}-end.png"), full_page=True)
    context.close()
    assert errors == [], f"the page raised: {errors}"


def shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
