"""VoxBridge phone numbers: E.164, or a US 10-digit number normalised to +1.

Nothing else is rewritten (no spaces, dashes or parentheses stripped): the docs promise
only the 10-digit rule, and the emulator is never looser than the real service.
"""

from __future__ import annotations

import re

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
US_TEN = re.compile(r"[2-9][0-9]{9}")
# The contract's pattern, exactly what normalise() accepts: +1 and ten digits, another
# country code and 7 to 15 digits in all, or ten US digits.
PATTERN = r"^(\+1[0-9]{10}|\+[2-9][0-9]{6,14}|[2-9][0-9]{9})$"


def normalise(value: str) -> str:
    """``value`` in E.164; ValueError naming the problem otherwise (a 422 on the wire)."""
    if US_TEN.fullmatch(value):
        return "+1" + value
    if len(value) == 10 and value.isascii() and value.isdigit():
        raise ValueError(f"{value!r}: a 10-digit US number cannot start with 0 or 1")
    if not value.startswith("+"):
        if value.isascii() and value.isdigit():
            raise ValueError(
                f"{value!r} has {len(value)} digits: give E.164 (+ and country code) or a 10-digit US number"
            )
        raise ValueError(f"{value!r} is not a phone number: give E.164 like +15551234567")
    if not E164.fullmatch(value):
        digits = value[1:]
        if digits.isascii() and digits.isdigit():
            raise ValueError(f"{value!r} has {len(digits)} digits after '+': E.164 allows 7 to 15, the first not 0")
        raise ValueError(f"{value!r} is not a phone number: '+' then digits only, like +15551234567")
    if value.startswith("+1") and len(value) != 12:
        raise ValueError(f"{value!r}: a +1 number has exactly 10 digits after +1")
    return value
