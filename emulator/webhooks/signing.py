"""Generic HMAC-SHA256 helpers; each dialect's header format lives in its package.

Pure functions of (secret, timestamp, body), stdlib only.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable


class SignatureError(Exception):
    pass


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC over ``"<timestamp>." + body``: the timestamped scheme several providers use."""
    return hmac_hex(secret, str(timestamp).encode() + b"." + body)


def match(candidates: str | list[str], expected: Callable[[str], str], secrets: list[str]) -> str:
    """The first secret whose ``expected`` value equals a candidate (constant-time compare)."""
    given = [candidates] if isinstance(candidates, str) else candidates
    for secret in secrets:
        want = expected(secret)
        if any(hmac.compare_digest(want, c) for c in given):
            return secret
    raise SignatureError("no signature matches any known secret")
