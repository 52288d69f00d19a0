"""Control-plane bodies for what VoxBridge gives no API-key route: agents, the org's webhook
URL and monthly minutes (``/_emulator/orgs/{org_id}/agents``, ``PATCH /_emulator/orgs/{org_id}``).

Strict like every request model: unknown fields, wrong types and explicit nulls (except
``webhook_url: null``, which clears the URL) are refused.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints

from emulator.api.voxbridge.agents import MIN_PROMPT
from emulator.api.voxbridge.quota import MAX_MONTHLY_MINUTES
from emulator.api.voxbridge.wire import Url, iso
from emulator.omittable import Omittable
from emulator.realism import SWITCHES, Switches

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
MAX_PROMPT = 20_000
VOICE_BY_DIRECTION = {"outbound": "warm_female", "inbound": "calm_support"}

Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Slug = Annotated[str, StringConstraints(max_length=64, pattern=SLUG_PATTERN)]
Voice = Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _prompt(value: str) -> str:
    if len(value.strip()) < MIN_PROMPT:
        raise ValueError(f"system_prompt must be at least {MIN_PROMPT} characters")
    return value


Prompt = Annotated[str, StringConstraints(max_length=MAX_PROMPT), AfterValidator(_prompt)]
Stamp = Annotated[float, PlainSerializer(iso, return_type=str)]


def slugify(name: str) -> str:
    """The slug a name gives when none is sent: ``Welcome Call Agent`` -> ``welcome-call-agent``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64].strip("-")
    return slug or "agent"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class AgentIn(_Strict):
    name: Name
    system_prompt: Prompt
    slug: Omittable[Slug] = None  # absent: slugify(name)
    direction: Literal["outbound", "inbound"] = "outbound"
    voice_id: Omittable[Voice] = None  # absent: the direction's default voice
    is_default: bool = False
    is_active: bool = True

    def resolved_slug(self) -> str:
        return self.slug if self.slug is not None else slugify(self.name)

    def resolved_voice(self) -> str:
        return self.voice_id if self.voice_id is not None else VOICE_BY_DIRECTION[self.direction]


class AgentPatch(_Strict):
    """The fields the issue lets change; absent means unchanged."""

    is_default: Omittable[bool] = None
    is_active: Omittable[bool] = None
    system_prompt: Omittable[Prompt] = None
    voice_id: Omittable[Voice] = None
    name: Omittable[Name] = None

    def changes(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.model_fields_set}


class AgentOut(BaseModel):
    id: str
    org_id: str
    name: str
    slug: str
    direction: str
    voice_id: str
    system_prompt: str
    is_default: bool
    is_active: bool
    created_at: Stamp
    updated_at: Stamp


class OrgPatch(Switches):
    """Its own settings, and the core's realism switches (``Switches.changes`` reads those)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    webhook_url: Url | None = Field(default=None)
    monthly_minutes: Omittable[Annotated[int, Field(ge=0, le=MAX_MONTHLY_MINUTES)]] = None

    def changes(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.model_fields_set if k not in SWITCHES}


class OrgOut(BaseModel):
    """What the control plane adds to an org in this dialect."""

    id: str
    api_key: str
    webhook_secret: str
    webhook_url: str | None
    monthly_minutes: int
    minutes_used: int
    realism: dict[str, Any]  # the realism switches, null when off (emulator extensions)


class AgentList(BaseModel):
    data: list[AgentOut]
