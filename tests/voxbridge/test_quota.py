"""The monthly minute quota: whole minutes per answered call, per UTC calendar month."""

from __future__ import annotations

import pytest

from emulator.api.voxbridge import quota
from emulator.api.voxbridge.errors import VoxError

JUNE = 1780322400.0  # 2026-06-01T14:00:00Z
JULY = 1782864000.0  # 2026-07-01T00:00:00Z


@pytest.mark.parametrize("seconds, minutes", [(None, 0), (0, 0), (1, 1), (60, 1), (61, 2), (3600, 60)])
def test_connected_seconds_round_up_to_minutes(seconds: int | None, minutes: int) -> None:
    assert quota.minutes(seconds) == minutes


def test_usage_counts_this_month_only() -> None:
    usage = quota.Usage()
    usage.record(JUNE, 61)
    usage.record(JUNE + 100, 30)
    assert usage.this_month(JUNE + 200) == 3
    assert usage.this_month(JULY) == 0
    usage.record(JULY - 1, 60)  # still June
    usage.record(JULY, 120)
    assert usage.this_month(JULY + 5) == 2
    usage.record(JUNE, 600)  # an old month's call counts nowhere now
    assert usage.this_month(JULY + 5) == 2
    assert quota.month(JULY - 1) == "2026-06" and quota.month(JULY) == "2026-07"


def test_a_new_call_is_refused_once_the_limit_is_reached() -> None:
    quota.check(999, 1000)
    for used, limit in ((1000, 1000), (5, 0)):
        with pytest.raises(VoxError) as caught:
            quota.check(used, limit)
        assert (caught.value.kind, caught.value.message) == ("quota", "Monthly minute limit reached")
