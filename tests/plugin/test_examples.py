"""The examples/ suite is run as a user would run it, so it cannot rot.

It is not under testpaths, so the main `python -m pytest` never collects it
itself: it runs once, here, in its own process with its own pytest.ini.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import LEAN

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_examples_suite_passes(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(str(EXAMPLES / "tests"), "-p", "no:cacheprovider", *LEAN)
    result.stdout.fnmatch_lines([f"rootdir: {EXAMPLES}", "configfile: pytest.ini"])
    outcomes = result.parseoutcomes()
    assert result.ret == 0, result.stdout.str()
    assert outcomes["passed"] >= 13 and set(outcomes) == {"passed"}, outcomes
