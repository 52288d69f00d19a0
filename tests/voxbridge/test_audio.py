"""Recordings: real WAV files, read back with the stdlib's wave module, as long as the
call, deterministic, streamed in bounded chunks, sliceable for Range requests."""

from __future__ import annotations

import io
import wave
from array import array

import pytest

from emulator.api.voxbridge import audio

CALL = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
TURNS = [("agent", 0.0, 3.5), ("user", 4.0, 6.0), ("agent", 6.5, 9.0)]


def whole(call_id: str = CALL, seconds: int = 10, turns=TURNS, **kw) -> bytes:
    return b"".join(audio.stream(call_id, seconds, turns, **kw))


def samples(raw: bytes, start_s: float, end_s: float) -> array:
    with wave.open(io.BytesIO(raw)) as w:
        w.setpos(int(start_s * audio.RATE))
        return array("h", w.readframes(int((end_s - start_s) * audio.RATE)))


def test_the_file_is_a_wav_exactly_as_long_as_the_call() -> None:
    raw = whole()
    with wave.open(io.BytesIO(raw)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 8000)
        assert w.getnframes() == 10 * 8000
        assert w.getnframes() / w.getframerate() == 10.0
    assert len(raw) == audio.size(10) == 44 + 10 * 8000 * 2


def test_turns_sound_and_gaps_are_silent() -> None:
    raw = whole()
    assert max(samples(raw, 0.5, 3.0)) > 1000 and max(samples(raw, 4.2, 5.8)) > 1000
    assert max(map(abs, samples(raw, 3.6, 3.9))) == 0 and max(map(abs, samples(raw, 9.1, 9.9))) == 0


def _pitch(raw: bytes, start_s: float, end_s: float) -> float:
    s = samples(raw, start_s, end_s)
    rising = sum(1 for a, b in zip(s, s[1:], strict=False) if a < 0 <= b)
    return rising / (end_s - start_s)


def test_agent_turns_are_low_and_user_turns_high() -> None:
    raw = whole()
    assert round(_pitch(raw, 0.5, 3.0), -1) in audio.AGENT_TONES
    assert round(_pitch(raw, 4.5, 5.5), -1) in audio.USER_TONES


def test_deterministic_from_the_call_id() -> None:
    assert whole() == whole()
    others = {whole(call_id=f"call-{i}", seconds=4)[44:] for i in range(12)}
    assert len(others) > 1  # the pitch is drawn from the id


def test_a_call_without_turns_is_silence_of_its_length() -> None:
    raw = whole(seconds=3, turns=[])
    with wave.open(io.BytesIO(raw)) as w:
        assert w.getnframes() == 24000 and set(w.readframes(24000)) == {0}


def test_zero_seconds_is_a_valid_empty_wav() -> None:
    with wave.open(io.BytesIO(whole(seconds=0, turns=[]))) as w:
        assert w.getnframes() == 0


def test_turns_past_the_end_are_clipped() -> None:
    raw = whole(seconds=2, turns=[("agent", 1.0, 30.0)])
    with wave.open(io.BytesIO(raw)) as w:
        assert w.getnframes() == 16000


def test_streamed_in_bounded_chunks() -> None:
    chunks = list(audio.stream(CALL, 60, TURNS, chunk=4096))
    assert max(map(len, chunks)) <= 4096 and len(chunks) >= audio.size(60) // 4096
    assert b"".join(chunks) == whole(seconds=60)


def test_an_hour_is_the_cap_and_streams_without_holding_the_file() -> None:
    assert audio.size(10 * 3600) == audio.size(3600) == 44 + 3600 * 8000 * 2
    total, biggest = 0, 0
    for chunk in audio.stream(CALL, 5 * 3600, [("agent", 0.0, 1800.0), ("user", 1800.0, 3600.0)]):
        total, biggest = total + len(chunk), max(biggest, len(chunk))
    assert total == audio.size(3600) and biggest <= audio.CHUNK


@pytest.mark.parametrize(
    "start, end",
    [
        (0, 44),
        (0, 45),
        (43, 47),
        (44, 46),
        (45, 1000),
        (1001, 20001),
        (28001, 28003),
        (56000, 160044),
        (160000, 999999),
    ],
)
def test_any_byte_range_is_the_same_slice_of_the_whole(start: int, end: int) -> None:
    full = whole()
    assert b"".join(audio.stream(CALL, 10, TURNS, start=start, end=end, chunk=777)) == full[start:end]


@pytest.mark.parametrize(
    "header, answer",
    [
        (None, None),
        ("bytes=0-99", (0, 100)),
        ("bytes=100-", (100, 1044)),
        ("bytes=-44", (1000, 1044)),
        ("bytes=1000-5000", (1000, 1044)),
        ("items=0-1", None),
        ("bytes=5-1", None),
        ("bytes=0-1,5-6", None),
        ("bytes=abc", None),
        ("bytes=-0", "unsatisfiable"),
        ("bytes=1044-", "unsatisfiable"),
    ],
)
def test_range_headers(header: str | None, answer: object) -> None:
    if answer == "unsatisfiable":
        with pytest.raises(audio.Unsatisfiable):
            audio.byte_range(header, 1044)
    else:
        assert audio.byte_range(header, 1044) == answer


def test_the_recording_token_is_per_call_and_secret() -> None:
    token = audio.token("whsec_a", CALL)
    assert len(token) == 32 and token == audio.token("whsec_a", CALL)
    assert token != audio.token("whsec_b", CALL) and token != audio.token("whsec_a", "other")
    assert audio.token_ok("whsec_a", CALL, token)
    assert not audio.token_ok("whsec_a", CALL, token[:-1] + "0" if token[-1] != "0" else token[:-1] + "1")
    assert not audio.token_ok("whsec_a", CALL, None) and not audio.token_ok("whsec_a", CALL, "é")
    url = audio.url("http://127.0.0.1:8787/", CALL, "whsec_a")
    assert url == f"http://127.0.0.1:8787/v1/calls/{CALL}/recording.wav?token={token}"


def test_answers_whole_ranged_or_unsatisfiable() -> None:
    total = audio.size(10)
    status, headers, start, end = audio.answer(10, None)
    assert (status, start, end) == (200, 0, total)
    assert headers == {"Content-Type": "audio/wav", "Accept-Ranges": "bytes", "Content-Length": str(total)}
    status, headers, start, end = audio.answer(10, "bytes=44-143")
    assert (status, start, end, headers["Content-Length"]) == (206, 44, 144, "100")
    assert headers["Content-Range"] == f"bytes 44-143/{total}"
    status, headers, start, end = audio.answer(10, f"bytes={total}-")
    assert (status, headers, start, end) == (416, {"Content-Range": f"bytes */{total}"}, 0, 0)
