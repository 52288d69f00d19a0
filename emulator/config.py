"""Settings for one emulator, from CLI flags or ``CALLINGBOX_EMULATOR_*`` variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from typing import Any, Mapping

DEFAULT_PORT = 8787
DEFAULT_API_KEY = "sk_test_emulator"
DEFAULT_BALANCE_MILLI_CENTS = 1_000 * 100_000  # $1,000.00: room for calls side by side
ENV_PREFIX = "CALLINGBOX_EMULATOR_"


@dataclass(frozen=True, slots=True)
class Config:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    seed: int = 0
    api_key: str = DEFAULT_API_KEY
    legacy_calls: bool = False
    balance_milli_cents: int = DEFAULT_BALANCE_MILLI_CENTS
    clock: str = "manual"
    speed: float = 1.0
    scenarios: tuple[str, ...] = field(default_factory=tuple)
    strict_webhook_urls: bool = False
    webhook_timeout: float = 10.0
    max_body_bytes: int = 1024 * 1024
    state_file: str | None = None  # load at start, save atomically every state_interval s and at exit
    state_interval: float = 30.0

    def with_overrides(self, **changes: Any) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _parse(kind: type | str, raw: str) -> Any:
    kind = str(kind)
    if "bool" in kind:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"expected true or false, got {raw!r}")
    if "tuple" in kind:
        return tuple(p for p in raw.split(os.pathsep) if p)
    if "int" in kind:
        return int(raw)
    if "float" in kind:
        return float(raw)
    return raw


def from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings named by ``CALLINGBOX_EMULATOR_<FIELD>`` variables."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for f in fields(Config):
        raw = environ.get(ENV_PREFIX + f.name.upper())
        if raw is None:
            continue
        try:
            found[f.name] = _parse(f.type, raw)
        except ValueError as exc:
            raise ValueError(f"{ENV_PREFIX}{f.name.upper()}: {exc}") from None
    return found
