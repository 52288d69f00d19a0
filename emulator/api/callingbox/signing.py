"""The CallingBox-Signature scheme: ``t=<unix>,v1=<hex>``, HMAC-SHA256 over ``"<t>." + body``.

Pure functions of (secret, timestamp, body), stdlib only (docs: webhook-security).
"""

from __future__ import annotations

from emulator.webhooks.signing import SignatureError, match, signature

HEADER = "CallingBox-Signature"

__all__ = ["HEADER", "SignatureError", "header", "signature", "verify"]


def header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(sig_header: str, body: bytes, secrets: list[str], now: float, tolerance: int = 300) -> str:
    """The secret that signed ``body``; raises SignatureError otherwise.

    Accepts several ``v1=`` values (as during a rotation); ``tolerance`` 0
    skips the freshness check, as the SDK does.
    """
    timestamp: int | None = None
    candidates: list[str] = []
    for part in sig_header.split(","):
        key, _, value = part.strip().partition("=")
        if not key or not value:
            raise SignatureError(f"malformed {HEADER} header")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("signature timestamp is not an integer") from None
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise SignatureError("signature header needs t= and v1=")
    if tolerance and abs(now - timestamp) > tolerance:
        raise SignatureError(f"signature timestamp is {int(now - timestamp)} s away from now (tolerance {tolerance} s)")
    stamp = timestamp
    return match(candidates, lambda secret: signature(secret, stamp, body), secrets)
