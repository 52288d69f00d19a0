"""The snapshot codec: a record to JSON-ready data from its dataclass fields, and back, checked
against its annotations all the way down (a bad document gets one message naming the path:
``orgs[0].calls[3].status: must be a string``). No I/O and no emulator here.

Apart from emulator/snapshot.py, which says what a snapshot holds, because this part knows
only types: records, their bounded ``Table``s (the ``dict[str, Table]`` indexes are not stored
but rebuilt on load), lists, dicts and scalars. emulator/snapshot_text.py encodes with it too.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from typing import Any, Union, get_args, get_origin, get_type_hints

from emulator.domain.table import Table
from emulator.snapshot_versions import SnapshotError

SCALARS = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
}
Decoder = Callable[[Any, str], Any]


@functools.cache
def layout(cls: type) -> tuple[tuple[str, ...], list[tuple[str, Decoder, bool, bool]]]:
    """The fields kept (not the ``dict[str, Table]`` indexes an import rebuilds, nor fields outside
    ``__init__``, which are process-local like a call's ``rev``), and for each: its decoder, whether
    it is a Table, whether it is required."""
    hints = get_type_hints(cls)
    kept = [
        f
        for f in fields(cls)
        if f.init and not (get_origin(hints[f.name]) is dict and get_origin(get_args(hints[f.name])[1]) is Table)
    ]
    return tuple(f.name for f in kept), [
        (
            f.name,
            _decoder(hints[f.name]),
            get_origin(hints[f.name]) is Table,
            f.default is MISSING and f.default_factory is MISSING,
        )
        for f in kept
    ]


def encode(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if is_dataclass(value) and not isinstance(value, type):
        return {name: encode(getattr(value, name)) for name in layout(type(value))[0]}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    return [encode(v) for v in (value.oldest_first() if isinstance(value, Table) else value)]  # lists, tuples


def decode(tp: Any, value: Any, where: str) -> Any:
    """``value`` (parsed JSON) as an instance of ``tp``, checked all the way down."""
    return _decoder(tp)(value, where)


@functools.cache
def _decoder(tp: Any) -> Decoder:
    """A decoder per type, built once: a snapshot holds many records of few types."""
    origin, args = get_origin(tp), get_args(tp)
    if tp is Any:
        return lambda value, where: value
    if origin in (Union, types.UnionType):
        (inner,) = [_decoder(a) for a in args if a is not type(None)]
        return lambda value, where: None if value is None else inner(value, where)
    if isinstance(tp, type) and is_dataclass(tp):
        return functools.partial(_record, tp)
    if origin in (list, Table):
        item = _decoder(args[0])
        return lambda value, where: [item(v, f"{where}[{i}]") for i, v in enumerate(_scalar(list, value, where))]
    if origin is dict:
        item = _decoder(args[1])
        return lambda value, where: {k: item(v, f"{where}.{k}") for k, v in _scalar(dict, value, where).items()}
    if tp not in SCALARS:  # found by the round-trip tests as soon as a record has one
        raise TypeError(f"a snapshot cannot hold a {tp!r}: teach emulator/snapshot_codec.py to read it")
    return functools.partial(_scalar, tp)


def _scalar(tp: type, value: Any, where: str) -> Any:
    """``value`` if it is a ``tp`` (an int for a float; never a bool for a number)."""
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, tp) and (tp is bool or not isinstance(value, bool)):
        return value
    raise SnapshotError(f"{where}: must " + ("not be null" if value is None else f"be {SCALARS[tp]}"))


def _record(cls: type, value: Any, where: str) -> Any:
    stored, plan = layout(cls)
    for key in _scalar(dict, value, where):
        if key not in stored:
            raise SnapshotError(f"{where}.{key}: is not a field of {cls.__name__}")
    given: dict[str, Any] = {}
    tables: dict[str, list[Any]] = {}
    for name, decoder, is_table, required in plan:
        if name not in value:
            if required:
                raise SnapshotError(f"{where}.{name}: is required")
            continue
        (tables if is_table else given)[name] = decoder(value[name], f"{where}.{name}")
    record = cls(**given)
    for name, rows in tables.items():  # into the tables the record made (they carry their kind)
        table = getattr(record, name)
        for i, row in enumerate(rows):
            if row.id in table:
                raise SnapshotError(f"{where}.{name}[{i}].id: {row.id} appears twice")
            table.add(row)
    return record
