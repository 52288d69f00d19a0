"""Which scenario a call gets.

Precedence: the ``CallingBox-Emulator-Scenario`` header names one; otherwise
the first scenario whose ``match`` holds, looking at the most recently loaded
first (the control plane, then ``--scenarios`` dirs, then the shipped library,
magic numbers included); otherwise ``default``.
"""

from __future__ import annotations

import re
from typing import Any

from emulator.domain.records import Call
from emulator.errors import InvalidRequest
from emulator.simulation.scenario import Match, Scenario, ScenarioError

DEFAULT = "default"


class Registry:
    def __init__(self) -> None:
        # In precedence order: a later load first, each load in file order.
        self._entries: list[tuple[Scenario, str]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[tuple[Scenario, str]]:
        return list(self._entries)

    def add(self, found: list[tuple[Scenario, str]], replace: bool = False) -> None:
        names = {s.name: src for s, src in self._entries}
        for scenario, source in found:
            if scenario.name in names and not replace:
                raise ScenarioError(
                    f"{source}: duplicate scenario name {scenario.name!r} (already loaded from {names[scenario.name]})"
                )
        new = {s.name for s, _ in found}
        kept = [(s, src) for s, src in self._entries if s.name not in new]
        # A later load goes in front; within one load, file order (first match wins).
        self._entries = list(found) + kept

    def names(self) -> list[str]:
        return sorted(s.name for s, _ in self._entries)

    def by_name(self, name: str) -> Scenario:
        for scenario, _ in self._entries:
            if scenario.name == name:
                return scenario
        raise InvalidRequest(f"unknown scenario {name!r}; known scenarios: {', '.join(self.names())}")

    def choose(self, call: Call, agent_name: str | None, header: str | None = None) -> Scenario:
        if header is not None:
            return self.by_name(header)
        for scenario, _ in self._entries:
            if scenario.match is not None and matches(scenario.match, call, agent_name):
                return scenario
        return self.by_name(DEFAULT)


def matches(match: Match, call: Call, agent_name: str | None) -> bool:
    if match.to is not None and not call.to_number.startswith(match.to):
        return False
    if match.to_regex is not None and not re.search(match.to_regex, call.to_number):
        return False
    if match.agent is not None and match.agent not in (call.agent_id, agent_name):
        return False
    if match.direction is not None and match.direction != call.direction:
        return False
    return _subset(match.context, call.context) and _subset(match.metadata, call.metadata)


def _subset(wanted: dict[str, Any] | None, actual: dict[str, Any]) -> bool:
    return wanted is None or all(k in actual and actual[k] == v for k, v in wanted.items())
