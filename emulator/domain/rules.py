"""Field rules of the model that any dialect must enforce."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from emulator.errors import InvalidRequest

RETURN_TYPES = ("boolean", "string", "number")
VOICEMAIL_ACTIONS = ("hangup", "leave_message")
AGENT_TYPES = ("inbound", "outbound")
MAX_TOOLS = 16
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
# The URL shape openapi.yaml states (WebhookUrl), matched whole: http(s), an ASCII host
# name or IPv4 address, a port from 0 to 65535, then printable ASCII. Everything it
# accepts also splits cleanly below, so the contract and the check agree exactly.
URL = re.compile(
    r"^https?://([A-Za-z0-9._-]+|\[::1\])"  # [::1]: the emulator's own sink URL when bound to ::1
    r"(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
    r"([/?#][!-~]*)?$"
)
DIGITS = {8: frozenset("01234567"), 10: frozenset("0123456789"), 16: frozenset("0123456789abcdef")}


def check_url(field: str, url: str, strict: bool = False) -> str:
    if not URL.fullmatch(url):
        raise InvalidRequest(
            f"{field}: {url!r} is not an http(s) URL (like https://example.com/webhooks; "
            "ASCII host name or IPv4 address, no spaces)"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number from 0 to 65535
    except ValueError:
        raise InvalidRequest(f"{field}: {url!r} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidRequest(f"{field}: {url!r} is not an http(s) URL")
    if strict:
        host = parts.hostname or ""
        if parts.scheme != "https":
            raise InvalidRequest(f"{field}: must use https (strict webhook URLs are on)")
        if (why := _private(host)) is not None:
            raise InvalidRequest(f"{field}: {host} is {why} (strict webhook URLs are on)")
    return url


def _private(host: str) -> str | None:
    """Why ``host`` is not a public destination, or None (the name is only read, never resolved)."""
    name = host.lower().removesuffix(".")
    if name == "localhost" or name.endswith(".localhost"):
        return "a loopback name"
    try:
        address: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(name)
    except ValueError:
        address = _inet_aton(name)
    if address is None or (address.is_global and not address.is_multicast):
        return None
    return "a private address" if str(address) == name else f"{address}, a private address"


def _inet_aton(name: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address the OS resolver reads in ``name`` before any DNS lookup (inet_aton):
    1 to 4 dot-separated parts, each decimal, 0x-hex or 0-octal, the last filling the
    remaining bytes; so 2130706433, 0x7f000001, 0177.0.0.1, 127.1 and 0 are all addresses."""
    values = []
    for part in name.split("."):
        if part[:2] == "0x":
            digits, base = part[2:], 16
        elif len(part) > 1 and part[0] == "0":
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        if not part or not DIGITS[base].issuperset(digits):
            return None
        values.append(int(digits, base) if digits else 0)
    *head, last = values
    if len(values) > 4 or any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    return ipaddress.IPv4Address(sum(v << 8 * (3 - i) for i, v in enumerate(head)) + last)


def check_returns(field: str, returns: dict[str, Any]) -> dict[str, Any]:
    for key, hint in returns.items():
        if not key:
            raise InvalidRequest(f"{field}: field names must not be empty")
        if hint not in RETURN_TYPES:
            raise InvalidRequest(
                f"{field}.{key}: type hint must be one of {', '.join(RETURN_TYPES)} (got {hint!r}); keep schemas flat"
            )
    return returns


def check_tools(field: str, tools: list[Any]) -> list[Any]:
    if len(tools) > MAX_TOOLS:
        raise InvalidRequest(f"{field}: at most {MAX_TOOLS} tools per call (got {len(tools)})")
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise InvalidRequest(f"{field}[{i}]: each tool must be an object")
        if tool.get("type") not in ("http", "builtin"):
            raise InvalidRequest(f"{field}[{i}].type: must be 'http' or 'builtin'")
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            raise InvalidRequest(f"{field}[{i}].name: a non-empty name is required")
    return tools


def check_language(field: str, language: str) -> str:
    if not LANGUAGE.fullmatch(language):
        raise InvalidRequest(f"{field}: {language!r} is not a BCP-47 language code (like en or es-MX)")
    return language


def check_choice(field: str, value: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InvalidRequest(f"{field}: must be one of {', '.join(choices)} (got {value!r})")
    return value
