"""The pytest plugin under @pytest.mark.callingbox(dialect="voxbridge"), in-process and live:
an inner pytest session (pytester) with no conftest, so everything comes from the entry point."""

from __future__ import annotations

import pytest

LEAN = ("-p", "no:hypothesispytest", "-p", "no:schemathesis", "-p", "no:faker", "-p", "no:anyio", "-p", "no:randomly")

INNER = """
import hashlib, hmac, json
import pytest


@pytest.mark.callingbox(dialect="voxbridge")
def test_a_call_through_voxbridge(callingbox):
    assert callingbox.api_key.startswith("sk_live_")
    org = callingbox.client.get(f"/_emulator/orgs/{callingbox.org_id}").json()
    agents = callingbox.client.get(f"/_emulator/orgs/{callingbox.org_id}/agents").json()["data"]
    assert [a["slug"] for a in agents] == ["welcome", "inbound-support"]
    made = callingbox.client.post("/v1/calls/outbound", json={"to": "5551234567", "webhook_url": callingbox.sink_url})
    assert made.status_code == 201, made.text
    call = made.json()
    done = callingbox.wait_for_status(call["id"], "completed")
    assert done["disposition"] == "answered" and done["transcript"]
    analyzed = callingbox.wait_for_webhook("call.analyzed", call_id=call["id"])
    assert analyzed["verified"] is True
    raw = analyzed["raw_body"].encode()
    expected = "sha256=" + hmac.new(org["webhook_secret"].encode(), raw, hashlib.sha256).hexdigest()
    assert analyzed["headers"]["x-voice-signature"] == expected
    assert json.loads(raw)["recording_url"] == done["recording_url"]
    listed = callingbox.client.get("/v1/calls").json()
    assert listed["total"] == 1


@pytest.mark.callingbox(dialect="voxbridge", live=True)
def test_live(callingbox):
    assert callingbox.base_url.startswith("http://127.0.0.1:")
    r = callingbox.client.post("/v1/calls/outbound", json={"to": "+15005550001", "max_attempts": 2})
    assert r.status_code == 201
    done = callingbox.client.post(f"/_emulator/calls/{r.json()['id']}/wait", json={"event": "call.ended"}).json()
    assert (done["status"], done["attempt_count"]) == ("failed", 2)


def test_the_default_dialect_is_unchanged(callingbox):
    assert callingbox.api_key.startswith("sk_test_")
    assert callingbox.client.get("/v1/calls").json() == {"data": [], "has_more": False}
"""


def test_the_plugin_serves_voxbridge_by_marker(pytester: pytest.Pytester) -> None:
    pytester.makeini("""
        [pytest]
        asyncio_default_fixture_loop_scope = function
        filterwarnings = error
        addopts = -p no:cacheprovider -p no:randomly
        """)
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess(*LEAN)
    result.assert_outcomes(passed=3)
