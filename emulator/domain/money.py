"""Credits arithmetic. Balances are integer milli-cents (1/1000 of a cent)."""

from __future__ import annotations

MILLI_CENTS_PER_DOLLAR = 100_000
RATE_MILLI_CENTS_PER_MINUTE = 5_000  # $0.05 per connected minute
MAX_CALL_MINUTES = 60  # a $3.00 hold at $0.05/min implies a 60-minute cap
CALL_HOLD_MILLI_CENTS = RATE_MILLI_CENTS_PER_MINUTE * MAX_CALL_MINUTES


def dollars(milli_cents: int, up: bool = True) -> str:
    """``$1.88`` style, as in the docs' "Calls paused" message. Amounts to pay round up
    to whole cents; a balance shown to the user rounds down (``up=False``), so it is never
    overstated ("balance $1.88, add $1.13" would not add up)."""
    cents = -(-abs(milli_cents) // 1000) if up else abs(milli_cents) // 1000
    sign = "-" if milli_cents < 0 and cents else ""
    return f"{sign}${cents // 100}.{cents % 100:02d}"


def charge_for(connected_seconds: int) -> int:
    """Connected time at the per-minute rate, rounded up to whole milli-cents."""
    return -(-connected_seconds * RATE_MILLI_CENTS_PER_MINUTE // 60)
