"""Shared pieces of the wire models: strict requests, timestamp format, list envelope."""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer, StringConstraints

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def iso(ts: float | None) -> str | None:
    """RFC 3339 in UTC, always with milliseconds and ``Z`` (``2026-04-15T14:00:00.000Z``):
    one fixed-width form, so timestamps sort as text and parse with one format."""
    return None if ts is None else _iso(ts)


@functools.lru_cache(maxsize=4096)  # the same instants are written again and again (polling, lists)
def _iso(ts: float) -> str:
    whole, ms = divmod(round(ts * 1000), 1000)  # integer milliseconds: no float truncation (….999 stays .999)
    return datetime.fromtimestamp(whole, timezone.utc).isoformat()[:-6] + f".{ms:03d}Z"  # minus "+00:00"


Timestamp = Annotated[float, PlainSerializer(iso, return_type=str)]
OptTimestamp = Annotated[float | None, PlainSerializer(iso, return_type=str | None)]
UuidStr = Annotated[str, StringConstraints(pattern=UUID_PATTERN)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


def _whole(value: object) -> object:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# A JSON integer: JSON has one number type, and JSON Schema counts 137.0 as the integer
# 137, so a strict int field takes it too (137.5, "137" and true are still refused).
WholeNumber = Annotated[int, BeforeValidator(_whole)]


class Request(BaseModel):
    """Strict: no coercion ("5" is not 5), unknown fields rejected."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    data: list[T]
    has_more: bool


class Deleted(BaseModel):
    id: str
    deleted: bool = True


class Error(BaseModel):
    error: str
