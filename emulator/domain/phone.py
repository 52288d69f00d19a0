"""Phone number rules shared by every dialect: E.164, US only (as the real API)."""

from __future__ import annotations

import re

from emulator.errors import InvalidRequest

# ASCII digits only, matched whole (fullmatch): `\d` would take any Unicode digit and
# `$` a trailing newline, and neither belongs in a phone number.
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
US_E164 = re.compile(r"^\+1[2-9][0-9]{2}[2-9][0-9]{6}$")
US_E164_PATTERN = US_E164.pattern
TOLL_FREE_AREA_CODES = ("800", "833", "844", "855", "866", "877", "888")


def check_us_e164(field: str, value: str) -> str:
    if not E164.fullmatch(value):
        raise InvalidRequest(f"{field}: {value!r} is not an E.164 phone number (like +15551234567)")
    if not US_E164.fullmatch(value):
        raise InvalidRequest(f"{field}: {value} is not a US number; only US (+1) numbers are supported")
    return value


def number_type_of(e164: str) -> str:
    return "toll_free" if e164[2:5] in TOLL_FREE_AREA_CODES else "local"
