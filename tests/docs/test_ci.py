"""README's first two lines are what CI runs: .ci/run keeps them verbatim."""

from __future__ import annotations

from .blocks import DOCUMENTS, REPO, blocks

CI = REPO / ".ci" / "run"


def first_lines() -> list[str]:
    block = blocks(DOCUMENTS[0])[0]
    return [line.split("#")[0].strip() for line in block.text.splitlines() if line.strip()]


def test_readme_starts_with_install_and_up_then_the_tests() -> None:
    lines = first_lines()
    assert len(lines) == 2, lines
    install, _, up = lines[0].partition(" && ")
    assert install.startswith("pip install ") and up.startswith("callingbox-emulator up"), lines[0]
    assert lines[1] == "python -m pytest"


def test_ci_runs_the_readme_lines_verbatim() -> None:
    install = first_lines()[0].partition(" && ")[0]
    ci = [line.strip() for line in CI.read_text().splitlines()]
    assert install in ci, f".ci/run does not run README line 1's install part: {install!r}"
    assert first_lines()[1] in ci, ".ci/run does not run README line 2"
    assert ci.index(install) < ci.index(first_lines()[1])
