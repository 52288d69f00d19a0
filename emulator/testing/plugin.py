"""The pytest plugin (registered by entry point: installing the package is enough).

Fixtures:

* ``callingbox`` (per test): a :class:`~emulator.testing.CallingBox` handle on
  its own org, so tests never see each other's numbers, agents, calls or
  webhooks. The clock is manual: time moves only when the test says so.
* ``callingbox_session``: the shared emulators behind the handles.

Marker ``@pytest.mark.callingbox(...)``:

* ``live=True``: serve over a real port (``base_url`` is a real http URL, for
  clients like the official SDK); default in-process, no socket at all;
* ``seed=``: a dedicated emulator for the test, started from that seed (same
  seed, same ids);
* ``scenarios=dir`` or ``[dir, ...]``, ``legacy_calls=``, ``webhook_timeout=``:
  an emulator with those settings, shared by the tests that ask for the same;
* ``dialect="voxbridge"``: an emulator speaking that dialect (the test's org has a ``sk_live_``
  key, the default agents and a ``webhook_secret``: ``GET /_emulator/orgs/{org_id}`` shows them);
* ``balance=`` (milli-cents): the test's org starts with it;
* ``realtime_timeout=``: how long waits poll when the clock is realtime.

A shared emulator that a test changed for everyone (loaded scenarios, switched
the clock, injected faults, reset it) is replaced once that test ends.

Every emulator the plugin starts checks its answers and webhooks against the contract
(``--conformance strict``): a drift answers 500 naming the rule instead of passing unseen.

``--callingbox-timelines=DIR``: when a test that used ``callingbox`` fails, the timeline of
each call its org made is saved as ``DIR/<test>/<call_id>.json`` (replay one with
``POST /_emulator/timelines/replay`` to turn the failure into a regression test).
"""

from __future__ import annotations

import functools
import json
import os
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from emulator.config import Config
from emulator.testing.handle import CallingBox
from emulator.testing.inprocess import BackgroundLoop, InProcessTransport

IN_PROCESS_URL = "http://callingbox.test"
CONFIG_OPTIONS = {
    "seed": "seed",
    "scenarios": "scenarios",
    "legacy_calls": "legacy_calls",
    "webhook_timeout": "webhook_timeout",
    "dialect": "dialect",
}
HANDLE_OPTIONS = {"live", "balance", "realtime_timeout"}
KNOWN = sorted({*CONFIG_OPTIONS, *HANDLE_OPTIONS})
TIMELINES_OPTION = "--callingbox-timelines"
MAX_TIMELINES = 200  # calls saved per failing test


@dataclass
class Target:
    """One emulator and how to reach it."""

    base_url: str
    transport: httpx.BaseTransport | None
    stop: Any
    emulator: Any  # the Emulator served (read at teardown, never driven from here)

    def fingerprint(self) -> tuple[Any, ...]:
        """Emulator-wide state a test can change (clock mode, scenarios, faults, a reset): read, not requested."""
        e = self.emulator
        # Compared by identity first: cheap when nothing changed.
        return e.clock.mode, e.clock.speed, e.store, e.scenarios, e.scenarios.entries(), e.faults.all()

    def client(self, api_key: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # One TLS context for all: httpx would load the CA bundle again for each client (~30 ms).
        verify = True if self.transport is not None else _tls()
        return httpx.Client(
            base_url=self.base_url, transport=self.transport, headers=headers, timeout=30, verify=verify
        )


@functools.cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


@dataclass
class Session:
    """Shared emulators, built on first use: one in-process, one live, per config."""

    loop: BackgroundLoop | None = None
    targets: dict[tuple[bool, Config], Target] = field(default_factory=dict)

    def target(self, config: Config, live: bool, shared: bool) -> Target:
        key = (live, config)
        if shared and key in self.targets:
            return self.targets[key]
        target = self._serve(config) if live else self._in_process(config)
        if shared:
            self.targets[key] = target
        return target

    def _in_process(self, config: Config) -> Target:
        from emulator.api.app import create_app
        from emulator.runtime import Emulator

        if self.loop is None:
            self.loop = BackgroundLoop()
        emulator = Emulator(config)
        app = create_app(emulator, config.dialect or None)
        emulator.base_url = IN_PROCESS_URL  # links the dialect hands out (recordings) point here
        emulator.transport.mount(IN_PROCESS_URL, app)
        loop = self.loop
        return Target(
            IN_PROCESS_URL, InProcessTransport(app, loop), lambda: loop.run(emulator.transport.aclose()), emulator
        )

    def _serve(self, config: Config) -> Target:
        from emulator.runtime import Emulator
        from emulator.server import ServerThread

        server = ServerThread(Emulator(config)).start()
        return Target(server.base_url, None, server.stop, server.emulator)

    def close(self) -> None:
        for target in self.targets.values():
            target.stop()
        self.targets.clear()
        if self.loop is not None:
            self.loop.close()

    def discard(self, target: Target) -> None:
        """Stop a shared emulator and forget it; the next test that needs one gets a fresh one."""
        self.targets = {k: t for k, t in self.targets.items() if t is not target}
        target.stop()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("callingbox").addoption(
        TIMELINES_OPTION,
        metavar="DIR",
        default=None,
        help="save the timelines of the calls a failing test made as JSON files under DIR",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True  # read by the fixture's teardown, which runs after this
    return report


FAILED = pytest.StashKey[bool]()


def save_timelines(client: httpx.Client, org_id: str, directory: str, nodeid: str) -> list[str]:
    """Each call of ``org_id`` as DIR/<test>/<call_id>.json; the paths written."""
    calls = client.get("/_emulator/calls", params={"org_id": org_id, "limit": MAX_TIMELINES})
    if calls.status_code != 200:
        return []
    folder = os.path.join(directory, re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[:200])
    written = []
    for found in calls.json()["data"]:
        timeline = client.get(f"/_emulator/calls/{found['id']}/timeline")
        if timeline.status_code == 200:
            os.makedirs(folder, exist_ok=True)
            path = os.path.join(folder, f"{found['id']}.json")
            with open(path, "w", encoding="utf-8") as out:
                json.dump(timeline.json(), out, indent=2)
            written.append(path)
    return written


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "callingbox(live=False, seed=0, scenarios=(), legacy_calls=False, balance=None, webhook_timeout=10, "
        "realtime_timeout=30): configure the emulator behind the `callingbox` fixture",
    )


@pytest.fixture(scope="session")
def callingbox_session() -> Iterator[Session]:
    session = Session()
    yield session
    session.close()


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("callingbox"))):  # closest marker wins
        if marker.args:
            pytest.fail(
                f"@pytest.mark.callingbox takes keyword options only (got positional {marker.args!r}), "
                f"e.g. live=True; known: {', '.join(KNOWN)}",
                pytrace=False,
            )
        options.update(marker.kwargs)
    unknown = sorted(set(options) - set(KNOWN))
    if unknown:
        pytest.fail(
            f"unknown option(s) for @pytest.mark.callingbox: {', '.join(unknown)}; known: {', '.join(KNOWN)}",
            pytrace=False,
        )
    return options


@pytest.fixture
def callingbox(request: pytest.FixtureRequest, callingbox_session: Session) -> Iterator[CallingBox]:
    """A handle on a fresh org of the emulator (see the module docstring)."""
    options = _options(request)
    changes = {CONFIG_OPTIONS[k]: v for k, v in options.items() if k in CONFIG_OPTIONS}
    if "scenarios" in changes:
        dirs = changes["scenarios"]
        dirs = [dirs] if isinstance(dirs, (str, os.PathLike)) else dirs  # one dir, or several
        changes["scenarios"] = tuple(str(p) for p in dirs)
    config = Config(conformance="strict").with_overrides(**changes)
    shared = "seed" not in changes  # a seed asks for a fresh id stream: its own emulator
    from emulator.simulation.scenario import ScenarioError

    try:
        target = callingbox_session.target(config, bool(options.get("live")), shared)
    except ScenarioError as exc:
        broken = f"callingbox: scenarios={list(config.scenarios)}: {exc}"
    else:
        broken = ""
    if broken:
        pytest.fail(broken, pytrace=False)  # outside the except: no "during handling" chain
    admin = target.client()
    try:
        body = {} if options.get("balance") is None else {"balance_milli_cents": options["balance"]}
        answer = admin.post("/_emulator/orgs", json=body)
        if answer.status_code != 201:
            pytest.fail(f"callingbox: could not create the test's org: {answer.text}", pytrace=False)
        org = answer.json()
    except BaseException:
        if not shared:
            target.stop()
        raise
    finally:
        admin.close()
    before = target.fingerprint()
    client = target.client(org["api_key"])
    try:
        yield CallingBox(client, target.base_url, org, realtime_timeout=options.get("realtime_timeout", 30))
    finally:
        directory = request.config.getoption(TIMELINES_OPTION)
        if directory and request.node.stash.get(FAILED, False):
            save_timelines(client, org["id"], directory, request.node.nodeid)
        client.close()
        if not shared:
            target.stop()
        elif target.fingerprint() != before:
            # The test changed what every org sees (scenarios, the clock's mode, faults, a reset):
            # later tests get a fresh emulator rather than inherit it.
            callingbox_session.discard(target)
