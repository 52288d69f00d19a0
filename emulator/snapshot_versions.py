"""The versions of the persisted state, and the way an older document is brought forward.

A snapshot (``GET /_emulator/state``, ``up --state-file``) is written from the records' fields,
so its keys are today's field names. A state file outlives the code that wrote it: when a
record's persisted shape changes (a field renamed, moved, split, or its values changed), bump
``VERSION`` and add ``MIGRATIONS[old]``: a function from a document of version ``old`` to one of
``old + 1``, written against the keys as that version wrote them (literal strings), never
against the records' current fields. Then every older file keeps loading, one step at a time.
A field added with a default needs no new version: an older document without it still reads.
``tests/control/fixtures/state-v1.json`` (written by version 1) keeps that promise honest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulator.errors import InvalidRequest

FIRST = 1  # the oldest version this emulator reads
VERSION = 1  # the version it writes
Migration = Callable[[dict[str, Any]], dict[str, Any]]
# version -> the function that takes a document of that version to the next one.
MIGRATIONS: dict[int, Migration] = {}


class SnapshotError(InvalidRequest):
    """A snapshot that cannot be used; the message says where and why."""


def current(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` brought forward to ``VERSION`` (itself when it is already there)."""
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not FIRST <= version <= VERSION:
        readable = f"{FIRST}" if FIRST == VERSION else f"{FIRST} to {VERSION}"
        newer = " (a newer emulator wrote it)" if isinstance(version, int) and version > VERSION else ""
        raise SnapshotError(f"version: this emulator reads snapshot version {readable} (got {version!r}){newer}")
    for step in range(version, VERSION):
        doc = {**MIGRATIONS[step](doc), "version": step + 1}
    return doc
