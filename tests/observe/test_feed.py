"""The feed behind the stream: one ring of the latest items, readers as cursors into it."""

from __future__ import annotations

from emulator.domain.events import Feed, Item


def feed(size: int) -> Feed:
    return Feed(lambda: 100.0, lambda: 200.0, replay=size)


def drain(f: Feed, reader: object) -> list[int]:
    out = []
    while (item := f.next(reader)) is not None:  # type: ignore[arg-type]
        out.append(item.seq)
    return out


def test_a_burst_that_fits_reaches_a_reader_that_reads_only_afterwards() -> None:
    f = feed(10)
    reader, missed = f.subscribe(lambda i: True, lambda: None)
    for n in range(10):
        f.publish("clock.changed", {"n": n})
    assert missed == 0 and reader.ended is None and drain(f, reader) == list(range(1, 11))


def test_a_reader_whose_next_item_leaves_the_ring_is_cut_off_and_woken() -> None:
    f = feed(3)
    woken: list[str | None] = []
    reader, _ = f.subscribe(lambda i: True, lambda: woken.append(reader.ended))
    for n in range(4):
        f.publish("clock.changed", {"n": n})
    assert reader.ended == "lagged" and reader not in f.readers and f.cut_off == 1
    assert woken[-1] == "lagged" and drain(f, reader) == []
    keeping_up, _ = f.subscribe(lambda i: True, lambda: None)
    for n in range(5):
        f.publish("clock.changed", {"n": n})
        assert drain(f, keeping_up) == [f.last_seq]  # reads as it goes: never cut off
    assert keeping_up.ended is None


def test_resume_points() -> None:
    f = feed(5)
    for n in range(8):
        f.publish("clock.changed", {"n": n})
    assert f.oldest_seq == 4
    reader, missed = f.subscribe(lambda i: True, lambda: None, after=6)
    assert (missed, drain(f, reader)) == (0, [7, 8])
    reader, missed = f.subscribe(lambda i: True, lambda: None, after=1)
    assert (missed, drain(f, reader)) == (2, [4, 5, 6, 7, 8])  # 2 and 3 are gone
    reader, missed = f.subscribe(lambda i: True, lambda: None, after=99)
    assert (missed, drain(f, reader)) == (-1, [4, 5, 6, 7, 8])  # from another run: the whole ring
    reader, missed = f.subscribe(lambda i: True, lambda: None)
    assert (missed, drain(f, reader)) == (0, [])  # from now on


def test_filters_skip_without_holding_anything() -> None:
    f = feed(10)
    reader, _ = f.subscribe(lambda i: i.call_id == "a", lambda: None)
    for call in "abab":
        f.publish("call.queued", None, "org", call)
    assert [i for i in drain(f, reader)] == [1, 3]


def test_shutdown_ends_every_reader() -> None:
    f = feed(10)
    readers = [f.subscribe(lambda i: True, lambda: None)[0] for _ in range(3)]
    f.close()
    assert [r.ended for r in readers] == ["shutdown"] * 3 and f.readers == []


def test_bytes_are_bounded_too() -> None:
    f = Feed(lambda: 0.0, lambda: 0.0, replay=100, max_bytes=1000)
    reader, _ = f.subscribe(lambda i: True, lambda: None)
    for n in range(5):
        f.publish("delivery.attempt", {"n": n}, size=300)  # a record the feed keeps alive
    assert f.bytes <= 1000 and f.oldest_seq == 3  # the two oldest went, though the ring has room
    assert reader.ended == "lagged"  # it had read none of them
    item = f.next(f.subscribe(lambda i: True, lambda: None, after=2)[0])
    assert item is not None and item.seq == 3
    f.rendered(item, b"x" * 200)  # its rendered message counts too
    assert f.bytes == 1100
    f.publish("clock.changed", {}, size=0)
    assert f.bytes == 600 and f.oldest_seq == 4


def test_a_batch_takes_matching_items_in_order_up_to_its_byte_budget_and_renders_each_once() -> None:
    f = feed(20)
    every, _ = f.subscribe(None, lambda: None, after=0)
    odd, _ = f.subscribe(lambda i: i.seq % 2 == 1, lambda: None, after=0)
    for n in range(10):
        f.publish("clock.changed", {"n": n})
    rendered: list[int] = []

    def text(item: Item) -> bytes:
        rendered.append(item.seq)
        message = b"m%02d;" % item.seq  # 4 bytes each
        f.rendered(item, message)
        return message

    parts, last = f.take(every, 10, text)
    assert parts == [b"m01;", b"m02;", b"m03;"] and last == 3  # 12 bytes: the item that crosses the budget goes too
    parts, last = f.take(odd, 100, text)
    assert parts == [b"m01;", b"m03;", b"m05;", b"m07;", b"m09;"] and last == 9
    assert rendered == [1, 2, 3, 5, 7, 9]  # 1 and 3 were kept from the first reader's batch
    parts, last = f.take(every, 100, text)
    assert [p[1:3] for p in parts] == [b"%02d" % n for n in range(4, 11)] and last == 10
    assert f.take(every, 100, text) == ([], None)  # up to date
    f.publish("clock.changed", {"n": 10})
    assert f.take(every, 100, text) == ([b"m11;"], 11)


def test_a_reader_of_everything_gets_the_same_batches_from_rendered_runs_as_item_by_item() -> None:
    f = feed(20)
    for n in range(33):  # the ring wrapped: items 14..33 are held, from slot 14 round to slot 13
        f.publish("clock.changed", {"n": n})

    def text(item: Item) -> bytes:
        message = b"m%d;" % item.seq + b"x" * (item.seq % 7)  # sizes vary
        f.rendered(item, message)
        return message

    first, _ = f.subscribe(lambda i: True, lambda: None, after=0)  # item by item: renders as it goes
    half, _ = f.subscribe(None, lambda: None, after=0)
    assert f.take(half, 30, text)[0][0].startswith(b"m14;")  # half rendered by a reader of everything
    expected = []
    while parts := f.take(first, 25, text)[0]:
        expected.append(parts)
    everything, _ = f.subscribe(None, lambda: None, after=0)  # all rendered now: runs of slices
    got = []
    while (taken := f.take(everything, 25, text))[0]:
        got.append(taken[0])
        assert taken[1] == int(taken[0][-1][1:].split(b";")[0])  # the last item's seq
    assert got == expected and b"".join(b"".join(p) for p in got).count(b";") == 20
