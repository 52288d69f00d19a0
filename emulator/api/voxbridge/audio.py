"""Recordings: a real, playable WAV (8 kHz, mono, 16-bit PCM) as long as the call,
generated on demand and streamed in chunks, never held whole in memory.

Each transcript turn sounds as a tone (agent turns low, user turns high, the exact pitch
drawn from the call id and the turn number), silence between turns. Every pitch divides
8 kHz evenly, so one period, repeated, is the whole tone: generation is slicing bytes.
Recordings longer than MAX_SECONDS (one hour) stop there.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import struct
import sys
from array import array
from collections.abc import Iterator, Sequence
from functools import lru_cache

RATE = 8000
WIDTH = 2  # bytes per sample
MAX_SECONDS = 3600
CHUNK = 64 * 1024
HEADER_BYTES = 44
AGENT_TONES = (200, 250, 320, 400)  # Hz; each divides 8000
USER_TONES = (500, 640, 800, 1000)
AMPLITUDE = 8000


@lru_cache(maxsize=16)
def _period(hz: int) -> bytes:
    n = RATE // hz
    wave = array("h", (round(AMPLITUDE * math.sin(2 * math.pi * i / n)) for i in range(n)))
    if wave.itemsize != WIDTH:
        raise RuntimeError("array('h') is not 16-bit here")
    return wave.tobytes() if sys.byteorder == "little" else _swap(wave)  # WAV is little-endian


def _swap(wave: array[int]) -> bytes:
    wave.byteswap()
    return wave.tobytes()


def _tone(call_id: str, index: int, role: str) -> int:
    tones = AGENT_TONES if role == "agent" else USER_TONES
    digest = hashlib.sha256(f"{call_id}:{index}".encode()).digest()
    return tones[digest[0] % len(tones)]


def plan(call_id: str, seconds: int, turns: Sequence[tuple[str, float, float]]) -> list[tuple[int, int, int]]:
    """``[(first_sample, end_sample, hz)]`` of the tones; ``turns`` are (role, start, end) in
    seconds from the start of the recording. Clipped to the recording, sorted, no overlap."""
    total = frames(seconds)
    spans, cursor = [], 0
    for index, (role, start, end) in enumerate(sorted(turns, key=lambda t: t[1])):
        first, last = max(cursor, round(start * RATE)), min(total, round(end * RATE))
        if last > first:
            spans.append((first, last, _tone(call_id, index, role)))
            cursor = last
    return spans


def frames(seconds: int) -> int:
    return max(0, min(int(seconds), MAX_SECONDS)) * RATE


def size(seconds: int) -> int:
    """Bytes of the whole file: the Content-Length."""
    return HEADER_BYTES + frames(seconds) * WIDTH


def header(seconds: int) -> bytes:
    data = frames(seconds) * WIDTH
    return (
        b"RIFF"
        + struct.pack("<I", 36 + data)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, RATE, RATE * WIDTH, WIDTH, 8 * WIDTH)
        + b"data"
        + struct.pack("<I", data)
    )


def stream(
    call_id: str,
    seconds: int,
    turns: Sequence[tuple[str, float, float]],
    start: int = 0,
    end: int | None = None,
    chunk: int = CHUNK,
) -> Iterator[bytes]:
    """Bytes ``[start, end)`` of the file (all of it by default: a Range answer is a slice),
    in chunks of at most ``chunk`` bytes."""
    total = size(seconds)
    end = total if end is None else min(end, total)
    spans = plan(call_id, seconds, turns)
    position = max(0, start)
    head = header(seconds)
    while position < end:
        stop = min(end, position + chunk)
        if position < HEADER_BYTES:
            piece = head[position : min(stop, HEADER_BYTES)]
        else:
            piece = _pcm(spans, position - HEADER_BYTES, stop - HEADER_BYTES)
        position += len(piece)
        yield piece


def _pcm(spans: list[tuple[int, int, int]], lo: int, hi: int) -> bytes:
    """PCM bytes ``[lo, hi)`` (offsets in the data chunk, even or odd)."""
    first, last = lo // WIDTH, -(-hi // WIDTH)  # the samples that hold those bytes
    parts, cursor = [], first
    for span_first, span_last, hz in spans:
        if span_last <= cursor or span_first >= last:
            continue
        if span_first > cursor:
            parts.append(bytes((span_first - cursor) * WIDTH))
            cursor = span_first
        upto = min(last, span_last)
        period = _period(hz)
        n = RATE // hz
        offset = (cursor - span_first) % n
        count = upto - cursor
        reps = -(-(offset + count) // n)
        parts.append((period * reps)[offset * WIDTH : (offset + count) * WIDTH])
        cursor = upto
    if cursor < last:
        parts.append(bytes((last - cursor) * WIDTH))
    data = b"".join(parts)
    skip = lo - first * WIDTH
    return data[skip : skip + (hi - lo)]


def token(secret: str, call_id: str) -> str:
    """The recording URL's capability: players fetch it without an API key, nobody
    without the org's secret can forge one."""
    return hmac.new(secret.encode(), f"recording:{call_id}".encode(), hashlib.sha256).hexdigest()[:32]


def token_ok(secret: str, call_id: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(token(secret, call_id).encode(), given.encode())


def url(base_url: str, call_id: str, secret: str) -> str:
    """``<base>/v1/calls/<id>/recording.wav?token=<hex>``: the route the contract documents."""
    return f"{base_url.rstrip('/')}/v1/calls/{call_id}/recording.wav?token={token(secret, call_id)}"


class Unsatisfiable(ValueError):
    """A Range wholly past the end: 416."""


RANGE = re.compile(r"bytes=([0-9]{0,15})-([0-9]{0,15})")


def byte_range(header: str | None, total: int) -> tuple[int, int] | None:
    """``[start, end)`` of a single ``Range: bytes=`` (206); None when absent or not one we
    parse (answered whole, as RFC 9110 allows); Unsatisfiable when past the end (416)."""
    match = RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # the last N bytes
        if int(last) == 0:
            raise Unsatisfiable("bytes=-0")
        return max(0, total - int(last)), total
    start = int(first)
    end = max(start + 1, total) if last == "" else int(last) + 1
    if end <= start:
        return None  # last before first: not a valid range, ignored
    if start >= total:
        raise Unsatisfiable(f"bytes {start}- of {total}")
    return start, min(end, total)


def answer(seconds: int, range_header: str | None) -> tuple[int, dict[str, str], int, int]:
    """(status, headers, start, end) of a recording response: 200 whole, 206 a range, 416
    past the end (the caller renders the error body; ``start == end`` then)."""
    total = size(seconds)
    try:
        wanted = byte_range(range_header, total)
    except Unsatisfiable:
        return 416, {"Content-Range": f"bytes */{total}"}, 0, 0
    common = {"Content-Type": "audio/wav", "Accept-Ranges": "bytes"}
    if wanted is None:
        return 200, common | {"Content-Length": str(total)}, 0, total
    start, end = wanted
    return (
        206,
        common | {"Content-Length": str(end - start), "Content-Range": f"bytes {start}-{end - 1}/{total}"},
        start,
        end,
    )
