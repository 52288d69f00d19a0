"""Shared pieces of the wire models: strict requests, timestamp format, list envelope."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, StringConstraints

from emulator.instants import OptTimestamp as OptTimestamp
from emulator.instants import Timestamp as Timestamp
from emulator.instants import iso as iso

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


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
