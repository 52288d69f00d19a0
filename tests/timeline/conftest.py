"""pytester for the plugin's --callingbox-timelines (registered by hand, as tests/plugin does)."""

from __future__ import annotations

import httpcore  # noqa: F401  (imported before any inner session: see tests/plugin/conftest.py)
import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def dead_url() -> str:
    """A loopback URL whose port has no listener (connection refused)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
