"""Hostile YAML: alias bombs, recursive aliases and deep nesting, posted to the control plane
or shipped as a scenario file. Each is refused at once with a 4xx (or exit 1) naming the
problem, and nothing is loaded; ordinary anchors and merge keys keep working."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

YAML = {"Content-Type": "application/yaml"}


def bomb(levels: int) -> str:
    """The classic "billion laughs": each level repeats the one before nine times (9**levels nodes)."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]" for i in range(1, levels)]
    lines.append(f"scenarios: [{{name: boom, outcome: completed, match: {{context: {{k: *l{levels - 1}}}}}}}]")
    return "\n".join(lines) + "\n"


async def names(client: httpx.AsyncClient) -> list[str]:
    r = await client.get("/_emulator/scenarios")
    assert r.status_code == 200, r.text
    return [s["name"] for s in r.json()["data"]]


async def post(client: httpx.AsyncClient, text: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    r = await client.post("/_emulator/scenarios", content=text.encode(), headers=YAML)
    return r, time.monotonic() - started


async def test_an_alias_bomb_is_refused_before_it_expands(client: httpx.AsyncClient) -> None:
    before = await names(client)
    for levels in (8, 9):  # ~43 million and ~387 million nodes once expanded, from under 700 bytes
        text = bomb(levels)
        assert len(text) < 700
        r, took = await post(client, text)
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert "expands to more than 100,000 nodes" in error and "aliases count at every use" in error, error
        assert error.startswith("request body:"), error
        assert took < 5, f"took {took:.1f} s"  # generous: the check itself is microseconds
    assert await names(client) == before


async def test_a_recursive_alias_is_refused(client: httpx.AsyncClient) -> None:
    before = await names(client)
    text = "scenarios: &s [{name: loop, outcome: completed, match: {context: {k: *s}}}]\n"
    r, _ = await post(client, text)
    assert r.status_code == 400, r.text
    assert "request body:1: an alias refers to itself" in r.json()["error"]
    assert await names(client) == before


async def test_deep_nesting_is_a_400_not_a_500(client: httpx.AsyncClient) -> None:
    before = await names(client)
    for text in ("[" * 1_000_000, "scenarios: " + "[a, " * 200_000, "- " * 5_000 + "x"):
        r, took = await post(client, text)
        assert r.status_code == 400, r.text[:300]
        assert "nested deeper than 64 levels" in r.json()["error"]
        assert took < 5, f"took {took:.1f} s"
    assert await names(client) == before


async def test_anchors_and_merge_keys_still_load(client: httpx.AsyncClient) -> None:
    text = """
scenarios:
  - &base {name: shared-a, outcome: busy, timing: {ring: 1, talk: 2, extraction: 3}, match: {to: "+1555000"}}
  - {<<: *base, name: shared-b, outcome: no_answer}
"""
    r, _ = await post(client, text)
    assert r.status_code == 201, r.text
    loaded = {s["name"]: s for s in r.json()["data"]}
    assert loaded["shared-a"]["outcome"] == "busy" and loaded["shared-b"]["outcome"] == "no_answer"
    assert loaded["shared-b"]["match"] == {"to": "+1555000"}  # merged from the anchor


def test_a_bomb_on_disk_stops_validate_and_up(tmp_path: Path) -> None:
    """Files from --scenarios go through the same loader: one line, exit status, no hang."""
    (tmp_path / "bomb.yaml").write_text(bomb(9))
    started = time.monotonic()
    checked = subprocess.run(
        [sys.executable, "-m", "emulator", "scenarios", "validate", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 1, checked
    assert f"{tmp_path / 'bomb.yaml'}:" in checked.stderr and "expands to more than" in checked.stderr
    served = subprocess.run(
        [sys.executable, "-m", "emulator", "up", "--port", "0", "--scenarios", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert served.returncode == 2, served
    assert "expands to more than" in served.stderr and "Traceback" not in served.stderr
    assert time.monotonic() - started < 30
