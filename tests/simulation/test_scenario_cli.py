"""`callingbox-emulator scenarios validate|list|schema`, run as the user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emulator.resources import scenarios_dir
from emulator.simulation.scenario import load_path

ROOT = Path(__file__).resolve().parents[2]


def emulator_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "emulator", "scenarios", *args], capture_output=True, text=True, timeout=60
    )


def test_the_shipped_library_validates() -> None:
    done = emulator_cli("validate")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"ok: {len(load_path(scenarios_dir()))} scenarios in {scenarios_dir()}\n"
    done = emulator_cli("validate", str(ROOT / "scenarios"), str(ROOT / "scenarios" / "magic-numbers.yaml"))
    assert done.returncode == 0 and done.stdout.startswith("ok: ")


BROKEN = {
    "yaml-error": ("scenarios:\n  - name: a\n    outcome: busy\n  - name: b\n    outcome: [busy\n", 6, "YAML error"),
    "unknown-outcome": (
        "scenarios:\n  - name: a\n    outcome: busy\n  - name: b\n    outcome: exploded\n",
        5,
        "scenarios.1.outcome: Input should be 'completed', ",
    ),
    "wrong-type": (
        "scenarios:\n  - name: a\n    outcome: completed\n    timing:\n      ring: soon\n",
        5,
        "scenarios.0.timing.ring: Input should be a valid number",
    ),
    "bad-regex": (
        "scenarios:\n  - name: a\n    match:\n      to_regex: '+1(555'\n    outcome: busy\n",
        4,
        "scenarios.0.match.to_regex: bad regular expression '+1(555'",
    ),
    "duplicate-name": (
        "scenarios:\n  - name: a\n    outcome: busy\n  - name: a\n    outcome: failed\n",
        4,
        "scenarios.1.name: duplicate scenario name 'a'",
    ),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_validate_reports_file_and_line(tmp_path: Path, kind: str) -> None:
    text, line, reason = BROKEN[kind]
    path = tmp_path / f"{kind}.yaml"
    path.write_text(text, encoding="utf-8")
    done = emulator_cli("validate", str(path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"error: {path}:{line}: ")
    assert reason in done.stderr
    assert done.stderr.count("\n") == 1  # one line, no traceback


def test_validate_reports_a_name_repeated_across_the_files_of_a_directory(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("scenarios:\n  - {name: shared, outcome: busy}\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "scenarios:\n  - {name: own, outcome: busy}\n  - {name: shared, outcome: failed}\n",
        encoding="utf-8",
    )
    done = emulator_cli("validate", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr == (
        f"error: {tmp_path / 'b.yaml'}:3: scenarios.1.name: duplicate scenario name 'shared' "
        f"(also in {tmp_path / 'a.yaml'})\n"
    )


def test_validate_of_a_missing_path_fails(tmp_path: Path) -> None:
    done = emulator_cli("validate", str(tmp_path / "absent.yaml"))
    assert done.returncode == 1
    assert done.stderr == f"error: {tmp_path / 'absent.yaml'}: no such file or directory\n"


def test_list_shows_extra_scenarios_first(tmp_path: Path) -> None:
    (tmp_path / "ours.yaml").write_text(
        "scenarios:\n  - {name: ours, match: {to: '+1303'}, outcome: busy}\n", encoding="utf-8"
    )
    done = emulator_cli("list", "--scenarios", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["ours", "busy", "{'to':", "'+1303'}", "[ours.yaml]"]
    names = [line.split()[0] for line in lines]
    assert {"default", "appointment-confirmed", "magic-busy", "magic-dispatch-refused"} <= set(names)


def test_schema_is_the_committed_editor_schema() -> None:
    done = emulator_cli("schema")
    assert done.returncode == 0, done.stderr
    committed = (ROOT / "docs" / "scenario.schema.json").read_text(encoding="utf-8")
    assert json.loads(done.stdout) == json.loads(committed)
    assert done.stdout.strip() == committed.strip()
    # the shipped files point editors at it
    for path in scenarios_dir().glob("*.yaml"):
        assert path.read_text().startswith("# yaml-language-server: $schema=../docs/scenario.schema.json\n")
