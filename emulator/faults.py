"""Injected faults: which product API requests get an error status, latency or a dropped connection.

A fault names a route under the dialect's API prefix (exact path, a prefix ending with
``*``, or a template such as ``<prefix>/calls/{call_id}``), optionally a method, what happens, and for
how many requests: the next ``count`` matching ones, or a ``rate`` share of
them drawn from a seeded stream, so a run with the same seed faults the same
requests. The HTTP side (answering, sleeping, dropping) is
``emulator/api/faults.py``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from emulator.errors import InvalidRequest, NotFound
from emulator.ids import Ids
from emulator.omittable import Omittable

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
Status = Literal[429, 500, 502, 503]
STATUSES = get_args(Status)
MAX_FAULTS = 100
# A JSON integer: JSON Schema (and openapi.yaml) count 5.0 as the integer 5, so the
# strict int fields take it too; 5.5, "5" and true are still refused.
WholeNumber = Annotated[int, BeforeValidator(lambda v: int(v) if isinstance(v, float) and v.is_integer() else v)]
MAX_LATENCY_MS = 300_000  # 5 minutes: enough to trip any client timeout


class FaultSpec(BaseModel):
    """What a client asks for. Strict, unknown fields rejected; ``None`` means "not given"."""

    model_config = ConfigDict(extra="forbid", strict=True)

    path: str
    method: Omittable[str] = None
    status: Omittable[Status] = None
    retry_after: Omittable[Annotated[WholeNumber, Field(ge=0, le=86_400)]] = None
    latency_ms: Omittable[Annotated[float, Field(ge=0, le=MAX_LATENCY_MS)]] = None
    drop: bool = False
    count: Omittable[Annotated[WholeNumber, Field(ge=1, le=1_000_000)]] = None
    rate: Omittable[Annotated[float, Field(gt=0, le=1)]] = None

    @field_validator("path")
    @classmethod
    def _api_only(cls, path: str, info: ValidationInfo) -> str:
        p = (info.context or {}).get("api_prefix", "/api")  # the dialect's, given by the HTTP layer
        if not (path.startswith(p + "/") or path in (p, p + "*")):
            raise ValueError(
                f"only {p} routes can be faulted (got {path!r}); e.g. {p}/calls, {p}/calls/* or {p}/calls/{{call_id}}"
            )
        if "*" in path[:-1]:
            raise ValueError("'*' may only end the path (a prefix)")
        return path  # its {templates} are starlette's, compiled (and checked) by emulator/api/faults.py

    @field_validator("method")
    @classmethod
    def _known_method(cls, method: str) -> str:
        if method not in METHODS:
            raise ValueError(f"must be one of {', '.join(METHODS)} (got {method!r})")
        return method

    @model_validator(mode="after")
    def _coherent(self) -> FaultSpec:
        if self.status is None and self.latency_ms is None and not self.drop:
            raise ValueError("a fault needs at least one of status, latency_ms or drop: true")
        if self.drop and self.status is not None:
            raise ValueError("drop and status cannot go together: a dropped connection answers nothing")
        if self.retry_after is not None and self.status not in (429, 503):
            raise ValueError("retry_after goes with status 429 (or 503): it sets their Retry-After header")
        if self.count is not None and self.rate is not None:
            raise ValueError("give count (the next N matching requests) or rate (a share of them), not both")
        return self


@dataclass(slots=True, eq=False)
class Fault:
    id: str
    spec: FaultSpec
    pattern: re.Pattern[str]
    remaining: int | None  # None: a rate fault, active until deleted
    fired: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.spec.method is None or self.spec.method == method) and self.pattern.fullmatch(path) is not None


class Faults:
    def __init__(self, ids: Ids) -> None:
        # Forked streams: adding faults or drawing rates never moves the ids of resources.
        self._ids = ids.fork("fault-ids")
        self._rng = ids.fork("faults")
        self._faults: list[Fault] = []

    def __bool__(self) -> bool:
        return bool(self._faults)

    def add(self, spec: FaultSpec, pattern: re.Pattern[str]) -> Fault:
        """``pattern``: the paths ``spec.path`` names, compiled by the HTTP layer (whose router's templates they are)."""
        if len(self._faults) >= MAX_FAULTS:
            raise InvalidRequest(f"at most {MAX_FAULTS} faults at a time; delete some first")
        remaining = None if spec.rate is not None else (spec.count or 1)
        fault = Fault(str(uuid.UUID(int=self._ids.getrandbits(128), version=4)), spec, pattern, remaining)
        self._faults.append(fault)
        return fault

    def all(self) -> list[Fault]:
        return list(self._faults)

    def remove(self, fault_id: str) -> Fault:
        for fault in self._faults:
            if fault.id == fault_id:
                self._faults.remove(fault)
                return fault
        raise NotFound.of("fault", fault_id)

    def clear(self) -> None:
        self._faults.clear()

    def pick(self, method: str, path: str) -> Fault | None:
        """The fault that acts on this request, if any: the oldest matching one that fires.

        A count fault always fires (and is gone after its last one); a rate
        fault fires with its probability, else the next matching fault is tried.
        """
        for fault in self._faults:
            if not fault.matches(method, path):
                continue
            if fault.spec.rate is not None and self._rng.random() >= fault.spec.rate:
                continue
            fault.fired += 1
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining == 0:
                    self._faults.remove(fault)
            return fault
        return None
