"""The code checks itself: ruff's lint over the tree and mypy (strict, with the pydantic plugin)
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


def test_mypy_strict_passes_on_the_package() -> None:
    result = run("mypy")  # files, strictness and plugin: [tool.mypy] in pyproject.toml
    assert result.returncode == 0, f"mypy --strict found problems in emulator/:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout, result.stdout
