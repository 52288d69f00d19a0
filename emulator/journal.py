"""The request journal: what each /v1 request asked and what it was answered.

Bounded (a deque drops the oldest entry) so a long run never grows without
limit, and cheap to write: bodies are kept as raw bytes, cut at 4 KiB, and
only decoded when someone reads the journal. The HTTP capture lives in
``emulator/api/journal.py``; this module knows nothing of ASGI.

Secrets never stay in it: API keys and signing secrets in kept bodies are
replaced when the entry is added (request headers are not kept at all).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

BODY_LIMIT = 4096  # bytes of each request and response body kept
DEFAULT_SIZE = 1000  # entries kept
REDACTED = b'"[redacted]"'
# A JSON member whose name ends in "secret" or "api_key" (secret, signing_secret,
# default_signing_secret, api_key), its string value up to the closing quote, or
# to the end where the kept body was cut in the middle of it.
SECRET_MEMBER = re.compile(rb'("[A-Za-z_]*(?:secret|api_key)"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)')


def redact(body: bytes) -> bytes:
    """``body`` with the value of every secret member replaced by "[redacted]"."""
    if b"secret" not in body and b"api_key" not in body:  # the common case: one scan, no regex
        return body
    return SECRET_MEMBER.sub(lambda m: m.group(1) + REDACTED, body)


@dataclass(slots=True)
class Entry:
    seq: int
    method: str
    path: str
    query: str
    received_at: float  # virtual time at arrival
    org_id: str | None  # when the request carried a valid key
    status: int | None = None  # None: no complete answer went out (dropped)
    request_body: bytes = b""
    request_bytes: int = 0  # the whole body's size, kept or not
    response_body: bytes = b""
    response_bytes: int = 0
    duration_ms: float = 0.0  # real time, injected latency included
    fault_id: str | None = None  # the injected fault that acted on it
    error: str | None = None
    request_cut: bool = False  # the kept body is only the first BODY_LIMIT bytes
    response_cut: bool = False

    def keep_request(self, chunk: bytes) -> None:
        self.request_bytes += len(chunk)
        room = BODY_LIMIT - len(self.request_body)
        self.request_cut = self.request_cut or len(chunk) > room
        if room > 0:
            self.request_body += chunk[:room]

    def keep_response(self, chunk: bytes) -> None:
        self.response_bytes += len(chunk)
        room = BODY_LIMIT - len(self.response_body)
        self.response_cut = self.response_cut or len(chunk) > room
        if room > 0:
            self.response_body += chunk[:room]


class Journal:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self.total = 0  # recorded since start or reset; a clear keeps counting

    def __len__(self) -> int:
        return len(self._entries)

    def open(self, method: str, path: str, query: str, received_at: float, org_id: str | None) -> Entry:
        """A new entry, numbered now (in arrival order) and kept once ``add``ed."""
        self.total += 1
        return Entry(self.total, method, path, query, received_at, org_id)

    def add(self, entry: Entry) -> None:
        entry.request_body, entry.response_body = redact(entry.request_body), redact(entry.response_body)
        self._entries.append(entry)

    def find(
        self, limit: int, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> list[Entry]:
        """Newest first, at most ``limit``, filtered."""
        found: list[Entry] = []
        for entry in self._newest_first():
            if (
                (method is None or entry.method == method)
                and (path_prefix is None or entry.path.startswith(path_prefix))
                and (status is None or entry.status == status)
            ):
                found.append(entry)
                if len(found) == limit:
                    break
        return found

    def _newest_first(self) -> Iterator[Entry]:
        return reversed(self._entries)

    def clear(self) -> None:
        self._entries.clear()
