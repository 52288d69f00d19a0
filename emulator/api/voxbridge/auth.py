"""VoxBridge API keys: ``Authorization: Bearer sk_live_...``; any other key is a 401
(docs: "keys in any other format are rejected")."""

from __future__ import annotations

from emulator.api.voxbridge.errors import INVALID_KEY, MISSING_KEY, VoxError

PREFIX = "sk_live_"
MAX_KEY = 256


def bearer_key(authorization: str | None) -> str:
    """The key of a well-formed header with a ``sk_live_`` key; 401 otherwise. Whether the
    key belongs to an org is the caller's lookup (also a 401 when not)."""
    if not authorization or not authorization.strip():
        raise VoxError("auth", MISSING_KEY)
    scheme, _, key = authorization.strip().partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise VoxError("auth", "Invalid authorization header: use Authorization: Bearer sk_live_...")
    if not key.startswith(PREFIX) or len(key) > MAX_KEY or not key.isascii():
        raise VoxError("auth", f"{INVALID_KEY}: keys start with {PREFIX}")
    return key


def new_key(hex32: str) -> str:
    """A key from the seeded source's 32 hex characters."""
    return PREFIX + hex32
