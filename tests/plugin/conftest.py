"""pytester runs inner pytest sessions; each one here is configured as strictly as the project."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # `pytest_plugins = ["pytester"]` is only allowed in the rootdir's conftest; this
    # conftest is not one when the whole suite runs, so register pytester by hand.
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


# Plugins the inner sessions never need: they only cost start-up time in subprocesses. Inner
# sessions keep their file's order (some inner files compare one test with the one before), so
# the outer run stays reproducible under its own seed.
LEAN = ("-p", "no:hypothesispytest", "-p", "no:schemathesis", "-p", "no:faker", "-p", "no:anyio", "-p", "no:randomly")


@pytest.fixture
def inner(pytester: pytest.Pytester) -> pytest.Pytester:
    """A pytester whose inner runs treat every warning as an error (as pyproject.toml does here).

    No conftest.py is written: the `callingbox` fixture must come from the entry point alone.
    """
    pytester.makeini(
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        filterwarnings = error
        addopts = -p no:cacheprovider -p no:randomly
        """
    )
    return pytester
