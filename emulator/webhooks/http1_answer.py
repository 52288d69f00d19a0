"""One HTTP/1.x answer to a webhook POST, read by httptools (llhttp, Node.js' parser), bounded.

httptools rejects a negative or doubled Content-Length, chunk-size garbage and anything not
HTTP/1.x. Every answer is bounded: its head in bytes and lines, its body in bytes read (the
first ``keep`` kept; past the cap the status counts and the connection is closed). Apart from
the connection pool (emulator/webhooks/http1.py) because reading an answer knows nothing of
connections: it is fed bytes and ends a future; only this module touches httptools.
"""

from __future__ import annotations

import asyncio

import httptools

MAX_HEAD = 32 * 1024  # bytes of status line and header lines of one answer (nginx's default, 4 x 8 KiB)
MAX_HEADERS = 100  # header lines of one answer
MAX_BODY = 1024 * 1024  # answer body bytes read; past this the connection is closed, not pooled


class ProtocolError(Exception):
    """The receiver closed the connection or answered something that is not bounded HTTP/1.x."""


class Unanswered(ProtocolError):
    """Closed before a byte of answer: on a pooled connection, the receiver had dropped it meanwhile."""


class Answer:
    __slots__ = ("status", "body", "charset")

    def __init__(self, status: int, body: bytes, charset: str) -> None:
        self.status, self.body, self.charset = status, body, charset

    @property
    def text(self) -> str:
        try:
            return self.body.decode(self.charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class Reading:
    """httptools' callbacks for one answer, and its limits; ``future`` ends when the answer is complete."""

    __slots__ = (
        "parser",
        "future",
        "keep",
        "kept",
        "head_bytes",
        "headers",
        "head_done",
        "status",
        "content_type",
        "framed",
        "body_bytes",
        "complete",
        "reusable",
    )

    def __init__(self, keep: int, future: asyncio.Future[None]) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.future, self.keep, self.kept = future, keep, bytearray()
        self.head_bytes = self.headers = self.body_bytes = self.status = 0
        self.head_done = self.complete = self.reusable = self.framed = False
        self.content_type = b""

    def feed(self, data: bytes) -> None:
        if self.complete:  # bytes after the answer, unasked: the connection is not reused
            self.reusable = False
            return
        if not self.head_done:
            self.head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            return self.fail(str(exc.__context__ or exc))
        except httptools.HttpParserError as exc:
            return self.fail(f"invalid HTTP answer: {exc}")
        if not self.head_done and self.head_bytes > MAX_HEAD:
            self.fail(f"answer head over {MAX_HEAD} bytes")
        elif self.body_bytes > MAX_BODY and not self.complete:
            self.finish(reusable=False)  # enough: the status stands, the rest is not read

    def eof(self) -> None:
        if self.head_done and not self.complete and not self.framed:
            return self.finish(reusable=False)  # no length, not chunked: the body ran until the close
        if not self.complete and not self.future.done():
            where, error = (
                ("in the middle of the answer", ProtocolError) if self.head_bytes else ("without an answer", Unanswered)
            )
            self.future.set_exception(error(f"connection closed by the receiver {where}"))

    def fail(self, reason: str) -> None:
        if self.complete:  # garbage after a whole answer: the answer stands, the connection goes
            self.reusable = False
        elif not self.future.done():
            self.future.set_exception(ProtocolError(reason))

    def finish(self, reusable: bool) -> None:
        if self.complete:  # a second answer in the same bytes: nobody asked for it
            self.reusable = False
            return
        self.complete, self.reusable = True, reusable
        if not self.future.done():
            self.future.set_result(None)

    def answer(self) -> Answer:
        return Answer(self.status, bytes(self.kept), _charset(self.content_type.decode("latin-1")))

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers += 1
        if self.headers > MAX_HEADERS:
            raise ProtocolError(f"answer has over {MAX_HEADERS} header lines")
        name = name.lower()
        if name == b"content-type":
            self.content_type = value
        elif name in (b"content-length", b"transfer-encoding"):
            self.framed = True

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if not 100 <= status < 200:  # 1xx answers (100 Continue) precede the real one
            self.head_done, self.status = True, status

    def on_body(self, data: bytes) -> None:
        self.body_bytes += len(data)
        room = self.keep - len(self.kept)
        if room > 0:
            self.kept += data[:room]

    def on_message_complete(self) -> None:
        if self.head_done:
            self.finish(reusable=self.parser.should_keep_alive())
        else:
            self.headers, self.framed = 0, False  # an interim answer ended; its bytes still count against MAX_HEAD


def _charset(content_type: str) -> str:
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"
