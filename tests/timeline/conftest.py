"""pytester for the plugin's --callingbox-timelines (registered by hand, as tests/plugin does)."""

from __future__ import annotations

import httpcore  # noqa: F401  (imported before any inner session: see tests/plugin/conftest.py)
import pytest


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
