"""The dashboard at /_emulator/ui in headless Chromium: live calls, the clock from the page,
retries of a failing endpoint, paging, and the control token."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Live, shot


def open_dashboard(page: Any, live: Live, route: str = "#/calls") -> None:
    page.goto(f"{live.base_url}/_emulator/ui{route}")
    page.locator("#live.live").wait_for()  # the event stream is open


def row_status(page: Any, call_id: str, status: str) -> None:
    page.locator(f'tr[data-call="{call_id}"] [data-status="{status}"]').wait_for()


def test_a_dispatched_call_appears_and_moves_through_its_states_live(page: Any, live: Live) -> None:
    open_dashboard(page, live)
    call = live.call(live.agent()["id"])
    row_status(page, call["id"], "queued")  # no reload, no polling: the stream brought it
    shot(page, "call-queued")
    live.ok(live.control, "POST", "/_emulator/clock/advance", json={"seconds": 2})
    row_status(page, call["id"], "ringing")
    live.ok(live.control, "POST", "/_emulator/clock/run_until_idle", json={})
    row_status(page, call["id"], "completed")
    row = page.locator(f'tr[data-call="{call["id"]}"]')
    assert call["to_number"] in row.inner_text()
    assert " s" in row.locator("td").nth(6).inner_text()  # the duration, once ended
    shot(page, "call-completed")


def test_a_clock_advance_from_the_page_moves_the_call(page: Any, live: Live) -> None:
    call = live.call(live.agent()["id"])
    open_dashboard(page, live)
    row_status(page, call["id"], "queued")
    before = page.locator("#clock-now").inner_text()
    page.fill("#advance-seconds", "2")
    page.click("#advance")
    row_status(page, call["id"], "ringing")
    assert page.locator("#clock-now").inner_text() != before
    page.fill("#advance-seconds", "600")
    page.click("#advance")
    row_status(page, call["id"], "completed")
    assert live.ok(live.api, "GET", f"/v1/calls/{call['id']}")["status"] == "completed"
    # The mode from the page too (its POST is same-origin JSON, so the guard lets it through).
    page.select_option("#clock-mode", "realtime")
    page.fill("#clock-speed", "5")
    page.click("#clock-apply")
    page.locator("#clock-now", has_text="realtime x5").wait_for()
    assert live.ok(live.control, "GET", "/_emulator/clock")["mode"] == "realtime"


def test_a_failing_endpoint_shows_its_retries(page: Any, live: Live) -> None:
    live.ok(
        live.api,
        "POST",
        "/v1/webhook_endpoints",
        201,
        json={"url": "http://127.0.0.1:9/hooks", "enabled_events": ["call.queued"]},
    )  # nothing listens there
    call = live.call(live.agent()["id"], to="+15005550001")
    open_dashboard(page, live, f"#/call/{call['id']}")
    page.locator("#call").wait_for()
    page.fill("#advance-seconds", "400")  # past the retries at +1 min and +5 min (with jitter)
    page.click("#advance")
    attempts = page.locator("#attempts details.attempt.bad")
    attempts.nth(2).wait_for()
    assert attempts.count() >= 3
    assert "attempt 3" in attempts.nth(2).locator("summary").inner_text()
    assert "error" in attempts.nth(0).locator("summary").inner_text()
    delivery = page.locator("tr[data-delivery]").first
    assert "pending" in delivery.inner_text()
    shot(page, "failing-endpoint")
    page.goto(f"{live.base_url}/_emulator/ui#/endpoints")
    page.locator("td", has_text="http://127.0.0.1:9/hooks").wait_for()


def test_the_call_page_shows_timeline_transcript_result_and_billing(page: Any, live: Live) -> None:
    call = live.call(live.agent()["id"])
    live.ok(live.control, "POST", "/_emulator/clock/run_until_idle", json={})
    open_dashboard(page, live, f"#/call/{call['id']}")
    text = page.locator("#call").inner_text()
    for expected in ("call.queued", "call.ringing", "call.answered", "call.completed", "wall time", "milli-cents"):
        assert expected in text
    assert page.locator("#call h3", has_text="Transcript").count() == 1
    shot(page, "call-page")


def test_calls_are_paged(page: Any, live: Live) -> None:
    agent = live.agent()["id"]
    ids = [live.call(agent)["id"] for _ in range(60)]
    open_dashboard(page, live)
    page.locator(f'tr[data-call="{ids[-1]}"]').wait_for()
    assert page.locator("#calls tbody tr").count() == 50
    page.click("#older")
    page.locator(f'tr[data-call="{ids[0]}"]').wait_for()
    assert page.locator("#calls tbody tr").count() == 10
