"""The code checks itself: ruff's lint and format over the tree and mypy (strict, with the pydantic plugin)
over emulator/, run by the test command so CI enforces them. Their settings are in pyproject.toml;
mypy keeps its cache in .mypy_cache (a warm run takes a few seconds, a cold one about twenty)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 600  # generous: the machine is shared


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, (
        f"ruff check found problems (many fix themselves: `ruff check --fix PATH`):\n{result.stdout}{result.stderr}"
    )


def test_the_tree_is_formatted() -> None:
    result = run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, (
        f"ruff format would reformat these files (format them: `ruff format .`):\n{result.stdout}{result.stderr}"
    )


def test_mypy_strict_passes_on_the_package() -> None:
    result = run("mypy")  # files, strictness and plugin: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, f"mypy --strict found problems in emulator/:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout, result.stdout


def test_a_users_tests_see_the_handles_types(tmp_path: Path) -> None:
    """The package ships ``py.typed``: a user's type checker reads the ``callingbox`` fixture's
    ``CallingBox`` handle (here a wrong argument is caught), instead of skipping the package."""
    (tmp_path / "test_user.py").write_text(
        "from emulator.testing import CallingBox\n\n\n"
        "def test_it(callingbox: CallingBox) -> None:\n"
        "    callingbox.advance('ten')\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), "test_user.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert "py.typed" not in result.stdout, result.stdout
    assert 'Argument 1 to "advance" of "CallingBox" has incompatible type "str"; expected "float"' in result.stdout, (
        result.stdout
    )
