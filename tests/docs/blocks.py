"""The fenced blocks of README.md and docs/*.md, with what each one is for.

Every block either runs in tests/docs or says why not, in an HTML comment right
before its fence:

    <!-- not-run: what it is, and what covers it instead -->
    <!-- run: own-server -->   (a bash block that starts its own emulator)

Without a marker, ``python`` blocks are pytest examples (run with pytester, as
written) and ``bash`` blocks run against a live ``callingbox-emulator up``. Any
other unmarked block is an error: the docs must not show what nothing checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
MARKER = re.compile(r"^<!--\s*(not-run|run):\s*(.*?)\s*-->\s*$", re.S)


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    marker: str | None  # "not-run" or "run"
    note: str  # the marker's reason or option

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def blocks(path: Path) -> list[Block]:
    tokens = MarkdownIt().parse(path.read_text())
    found = []
    for i, token in enumerate(tokens):
        if token.type not in ("fence", "code_block"):
            continue
        before = tokens[i - 1] if i else None
        match = MARKER.match(before.content) if before is not None and before.type == "html_block" else None
        assert token.map is not None
        found.append(
            Block(
                path,
                token.map[0] + 1,
                token.info.strip().split(" ")[0],
                token.content,
                match.group(1) if match else None,
                match.group(2) if match else "",
            )
        )
    return found


def all_blocks() -> list[Block]:
    return [block for path in DOCUMENTS for block in blocks(path)]


def of(kind: str) -> list[Block]:
    """The blocks that run as ``kind``: "python" (pytester), "bash" (live up), "own-server"."""
    return [block for block in all_blocks() if kind_of(block) == kind]


def kind_of(block: Block) -> str | None:
    if block.marker is None and block.lang in ("python", "bash"):
        return block.lang
    if block.marker == "run" and block.note == "own-server" and block.lang == "bash":
        return "own-server"
    return None  # marked not-run, or unaccounted for
