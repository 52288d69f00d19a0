"""``Omittable[T]``: a request field that may be left out, but never sent as ``null``.

The model sees ``T | None`` (None: not given), so code reading it is type-checked for the
missing case; an explicit ``null`` is refused as "must not be null" before ``T`` is tried
(defaults are not validated, so leaving the field out stays None).
"""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

T = TypeVar("T")


def _not_null(value: object) -> object:
    if value is None:
        raise PydanticCustomError("null", "must not be null")
    return value


Omittable = Annotated[T | None, BeforeValidator(_not_null)]
