"""A stand-in for the core's call record: exactly the fields the VoxBridge modules read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

T0 = 1780322400.0  # 2026-06-01T14:00:00Z


@dataclass
class Turn:
    role: str
    text: str
    started_at: float
    ended_at: float | None


@dataclass
class FakeCall:
    id: str = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
    agent_id: str | None = "9b2f4c1e-3d5a-4e6f-8a7b-1c2d3e4f5a6b"
    direction: str = "outbound"
    status: str = "queued"
    to_number: str = "+15551234567"
    from_number: str | None = None
    client_name: str | None = "Jane Doe"
    context: dict[str, Any] = field(default_factory=lambda: {"reference_number": "398690"})
    metadata: dict[str, Any] = field(default_factory=lambda: {"crm_id": "lead_8821"})
    answered_by: str | None = None
    answered_at: float | None = None
    ended_at: float | None = None
    started_at: float | None = None
    created_at: float = T0 + 1
    scheduled_at: float = T0
    attempt_count: int = 0
    max_attempts: int = 3
    billed_duration_seconds: int | None = None
    result: dict[str, Any] | None = None
    result_status: str = "pending"
    error_message: str | None = None
    transcript: list[Turn] = field(default_factory=list)


def answered_call(**changes: Any) -> FakeCall:
    """Answered at T0+10, talked 45 s, line dropped, result final."""
    call = FakeCall(
        status="completed",
        answered_by="human",
        started_at=T0 + 5,
        answered_at=T0 + 10,
        ended_at=T0 + 55,
        attempt_count=1,
        billed_duration_seconds=45,
        result={"interested": True},
        result_status="completed",
        transcript=[
            Turn("agent", "Hi, is this Jane?", T0 + 10, T0 + 13.5),
            Turn("user", "Yes, speaking.", T0 + 14, T0 + 16),
        ],
    )
    for key, value in changes.items():
        setattr(call, key, value)
    return call
