"""The documented retry schedule (docs: webhook-retries), with seeded jitter."""

from __future__ import annotations

import random

# Delay before attempt n (1-based): immediate, 1m, 5m, 30m, 2h, 5h, 10h, 24h.
DELAYS = (0, 60, 300, 1800, 7200, 18000, 36000, 86400)
MAX_ATTEMPTS = len(DELAYS)
JITTER = 0.2
AUTO_DISABLE_AFTER = 10  # consecutive exhausted deliveries


def delay_before(attempt: int, rng: random.Random) -> float:
    """Seconds to wait before automatic attempt ``attempt`` (2..8), +-20 % jitter."""
    base = DELAYS[attempt - 1]
    return base * (1 + rng.uniform(-JITTER, JITTER))
