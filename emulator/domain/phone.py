"""Phone number rules shared by every dialect: E.164, US only (as the real API).

A US number is +1, a three-digit area code that does not start with 0 or 1,
and seven more digits. The exchange is not checked: the docs' own examples
(+15551234567, +15557654321, +15559876543) have exchanges starting with 1,
which real NANP routing forbids but every vendor guide uses.
"""

from __future__ import annotations

import re

from emulator.errors import InvalidRequest

# ASCII digits only, matched whole (fullmatch): `\d` would take any Unicode digit and
# `$` a trailing newline, and neither belongs in a phone number.
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
US_E164 = re.compile(r"^\+1[2-9][0-9]{9}$")
US_E164_PATTERN = US_E164.pattern
TOLL_FREE_AREA_CODES = ("800", "833", "844", "855", "866", "877", "888")
EXAMPLE = "+15551234567"


def check_us_e164(field: str, value: str) -> str:
    """``value`` if it is a US number in E.164; else a 400 that says what is wrong with it."""
    if not E164.fullmatch(value):
        raise InvalidRequest(
            f"{field}: {value!r} is not an E.164 phone number ('+', country code and number, digits only, "
            f"like {EXAMPLE})"
        )
    if not value.startswith("+1"):
        raise InvalidRequest(f"{field}: {value} is not a US number; only US (+1) numbers are supported")
    if len(value) != 12:
        raise InvalidRequest(f"{field}: {value} is not a valid US number: +1 must be followed by exactly 10 digits")
    if not US_E164.fullmatch(value):
        raise InvalidRequest(f"{field}: {value} is not a valid US number: the area code cannot start with 0 or 1")
    return value


def number_type_of(e164: str) -> str:
    return "toll_free" if e164[2:5] in TOLL_FREE_AREA_CODES else "local"
