"""The scenario format: validated models, and the YAML loader that reports file:line.

YAML is read with ``safe_load`` semantics (no tags, no expressions) and
validated into pydantic models at load time, so a broken scenario fails when
it loads (or in ``scenarios validate``), never in the middle of a call.

Anchors and aliases are allowed, but the document is measured before anything
is built from it: an alias counts at every place it is used, so a few hundred
bytes that expand to billions of nodes (an "alias bomb") are refused in
microseconds, as are recursive aliases and nesting deeper than any scenario needs.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Outcome = Literal[
    "completed", "no_answer", "busy", "failed", "canceled", "voicemail", "extraction_failed", "dispatch_refused"
]
OUTCOMES: tuple[str, ...] = get_args(Outcome)
ResultValue = bool | int | float | str | None
MAX_NODES = 100_000  # the shipped library expands to about 1,000
MAX_DEPTH = 64


class ScenarioError(Exception):
    """A scenario file that cannot be used; the message names file, line and reason."""


class Strict(BaseModel):
    # strict: no coercion, as the API's own request models ("5" and true are not seconds).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Match(Strict):
    to: str | None = Field(None, description="destination number, exact or a prefix")
    to_regex: str | None = Field(None, description="regular expression the destination must match")
    agent: str | None = Field(None, description="agent name or id")
    direction: Literal["inbound", "outbound"] | None = None
    context: dict[str, Any] | None = Field(None, description="keys of the call's context that must be equal")
    metadata: dict[str, Any] | None = Field(None, description="keys of the call's metadata that must be equal")

    @field_validator("to_regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression {value!r}: {exc}") from None
        return value


class Timing(Strict):
    ring: float = Field(4, ge=0, le=3600, description="seconds of ringing before pickup or giving up")
    talk: float = Field(45, ge=0, le=3600, description="seconds of conversation")
    extraction: float = Field(2, ge=0, le=3600, description="seconds from hangup to the extracted result")


class Turn(Strict):
    role: Literal["agent", "user"]
    text: str = Field(min_length=1)


class ErrorDetail(Strict):
    code: str | None = None
    message: str | None = None
    hangup_cause: str | None = None


class Scenario(Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    description: str | None = None
    match: Match | None = None
    outcome: Outcome
    timing: Timing = Timing()
    transcript: list[Turn] | None = None
    result: dict[str, ResultValue] | None = None
    error: ErrorDetail | None = None

    @model_validator(mode="after")
    def _outcome_fits(self) -> Scenario:
        if self.transcript and self.outcome not in ("completed", "extraction_failed", "voicemail"):
            raise ValueError(f"outcome {self.outcome} has no conversation, so it takes no transcript")
        if self.result is not None and self.outcome != "completed":
            raise ValueError(f"outcome {self.outcome} extracts no result, so it takes no result")
        return self


class ScenarioFile(Strict):
    scenarios: list[Scenario] = Field(min_length=1)


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a line."""
    best = node
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == key), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        best = node
    return best.start_mark.line + 1 if best is not None else None


def parse(text: str, source: str, taken: dict[str, str] | None = None) -> list[Scenario]:
    """Scenarios from YAML text; ``source`` names it in errors. ``taken`` maps names
    already read (from other files of the same load) to their file, and gets these."""
    try:
        _check_depth(text, source)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ScenarioError(f"{source}{line}: YAML error: {getattr(exc, 'problem', exc)}") from None
    except RecursionError:
        raise ScenarioError(f"{source}: YAML error: nested deeper than {MAX_DEPTH} levels") from None
    data = _construct(root, source)
    try:
        scenarios = ScenarioFile.model_validate(data).scenarios
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = tuple(first["loc"])
        where = ".".join(str(p) for p in loc) or "document"
        at = _line_of(root, loc)
        reason = first["msg"].removeprefix("Value error, ")
        raise ScenarioError(f"{source}:{at}: {where}: {reason}") from None
    _unique(scenarios, root, source, {} if taken is None else taken)
    return scenarios


def _line(event: yaml.Event) -> int | str:
    return event.start_mark.line + 1 if event.start_mark is not None else "?"


def _check_depth(text: str, source: str) -> None:
    """Refuse deep nesting from the event stream, before the (recursive, and for deep flow
    collections quadratic) composer sees it. libyaml's parser is fast and keeps no Python stack."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ScenarioError(f"{source}:{_line(event)}: nested deeper than {MAX_DEPTH} levels")
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:  # the composer below reports syntax errors, in its own words
        if "nesting depth" in str(exc):
            raise ScenarioError(f"{source}: nested deeper than {MAX_DEPTH} levels") from None


def _construct(root: yaml.Node | None, source: str) -> Any:
    """The document's data, once its expanded size is known to be sane."""
    if root is None:
        return None
    _measure(root, source)
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ScenarioError(f"{source}{line}: YAML error: {getattr(exc, 'problem', exc)}") from None
    finally:
        loader.dispose()


def _measure(root: yaml.Node, source: str) -> None:
    """Count the nodes the document expands to, each shared node once (depth first, no recursion)."""
    size: dict[int, int] = {}
    path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        kids = (
            node.value
            if isinstance(node, yaml.SequenceNode)
            else [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else []
        )
        if finished:
            path.discard(id(node))
            size[id(node)] = total = 1 + sum(size[id(kid)] for kid in kids)
            if total > MAX_NODES:
                raise ScenarioError(
                    f"{source}:{node.start_mark.line + 1}: the document expands to more than "
                    f"{MAX_NODES:,} nodes (anchors and aliases count at every use)"
                )
        elif id(node) in path:
            raise ScenarioError(f"{source}:{node.start_mark.line + 1}: an alias refers to itself")
        elif id(node) not in size:
            if depth > MAX_DEPTH:
                raise ScenarioError(f"{source}:{node.start_mark.line + 1}: nested deeper than {MAX_DEPTH} levels")
            path.add(id(node))
            stack.append((node, depth, True))
            stack.extend((kid, depth + 1, False) for kid in kids)


def _unique(scenarios: list[Scenario], root: yaml.Node | None, source: str, taken: dict[str, str]) -> None:
    seen: set[str] = set()
    for i, scenario in enumerate(scenarios):
        if scenario.name in seen or scenario.name in taken:
            line = _line_of(root, ("scenarios", i, "name"))
            also = f" (also in {taken[scenario.name]})" if scenario.name in taken else ""
            raise ScenarioError(f"{source}:{line}: scenarios.{i}.name: duplicate scenario name {scenario.name!r}{also}")
        seen.add(scenario.name)
    taken.update((name, source) for name in seen)


def load_path(path: Path) -> list[tuple[Scenario, str]]:
    """Every scenario of a file, or of the *.yaml/*.yml files of a directory (sorted)."""
    files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else [path]
    if not path.exists():
        raise ScenarioError(f"{path}: no such file or directory")
    found: list[tuple[Scenario, str]] = []
    taken: dict[str, str] = {}  # a name may appear once across the files of a directory
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ScenarioError(f"{file}: cannot read: {exc}") from None
        found.extend((s, str(file)) for s in parse(text, str(file), taken))
    return found


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, for editors."""
    schema = ScenarioFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "CallingBox emulator scenario file"
    return schema
