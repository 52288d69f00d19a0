"""Credits arithmetic. Balances are integer milli-cents (1/1000 of a cent)."""

from __future__ import annotations

MILLI_CENTS_PER_DOLLAR = 100_000
RATE_MILLI_CENTS_PER_MINUTE = 5_000  # $0.05 per connected minute
MAX_CALL_MINUTES = 60  # a $3.00 hold at $0.05/min implies a 60-minute cap
CALL_HOLD_MILLI_CENTS = RATE_MILLI_CENTS_PER_MINUTE * MAX_CALL_MINUTES


def dollars(milli_cents: int) -> str:
    """``$1.88`` style, as in the docs' "Calls paused" message."""
    sign = "-" if milli_cents < 0 else ""
    cents = -(-abs(milli_cents) // 1000)  # round up to whole cents
    return f"{sign}${cents // 100}.{cents % 100:02d}"


def charge_for(connected_seconds: int) -> int:
    """Connected time at the per-minute rate, rounded up to whole milli-cents."""
    return -(-connected_seconds * RATE_MILLI_CENTS_PER_MINUTE // 60)
