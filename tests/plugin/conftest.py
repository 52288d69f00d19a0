"""pytester runs inner pytest sessions; each one here is configured as strictly as the project."""

from __future__ import annotations

# httpx imports httpcore lazily, on its first real request, and keeps httpcore's exception classes
# in a table from then on. An in-process inner session drops every module it imported when it
# ends, so a first import inside one (a live=True test) would leave httpx mapping the classes of
# a dropped httpcore: a later ConnectError elsewhere in the run would escape as httpcore's own.
# Imported here, before any inner session, httpcore outlives them all.
import httpcore  # noqa: F401
import pytest


def pytest_configure(config: pytest.Config) -> None:
    # `pytest_plugins = ["pytester"]` is only allowed in the rootdir's conftest; this
    # conftest is not one when the whole suite runs, so register pytester by hand.
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


# Plugins the inner sessions never need: they only cost start-up time in subprocesses. Inner
# sessions keep their file's order (some inner files compare one test with the one before), so
# the outer run stays reproducible under its own seed.
LEAN = ("-p", "no:hypothesispytest", "-p", "no:schemathesis", "-p", "no:faker", "-p", "no:anyio",
        "-p", "no:randomly")


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
