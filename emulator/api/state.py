"""/_emulator/state: export and import the whole state; and the state file of ``up --state-file``.

``emulator/snapshot.py`` turns the state into a JSON document and checks one
coming back; here the checked snapshot is put in place of the running state
(``restore``), over HTTP or from a file, and the file is written atomically.
"""

from __future__ import annotations

import asyncio
import atexit
import fcntl
import json
import os
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from emulator import snapshot, snapshot_text
from emulator.api import http, stream
from emulator.api.wire.control import ClockState, clock_out
from emulator.errors import InvalidRequest, UnsupportedMediaType
from emulator.runtime import Emulator

MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024  # a snapshot is bigger than any API body (1 MiB)


def restore(emulator: Emulator, doc: Any) -> snapshot.State:
    """Replace the emulator's whole state with the snapshot's: all of it, or nothing."""
    state = snapshot.parse(doc)  # raises SnapshotError (400) before anything changes
    emulator.reset()  # fresh services (journal and faults too), then the snapshot's state in them
    emulator.store = emulator.ctx.store = state.store
    emulator.default_org = state.default_org
    emulator.ids.seed = state.seed
    emulator.ids.random.setstate(state.rng["ids"])
    emulator.dispatcher.jitter.setstate(state.rng["webhook_jitter"])
    emulator.scenarios.add(state.scenarios, replace=True)
    emulator.clock.restore(*state.clock)
    for due, step, args in state.jobs:
        if step == "deliver":  # registered, so a redelivery replaces it as it would have
            emulator.dispatcher.resume(args[0], args[1], due)
            continue
        emulator.scheduler.step(due, step, *args)
    emulator.retention.rebuild(args[0].id for _, step, args in state.jobs if step != "deliver")
    return state


def dumps(emulator: Emulator) -> str:
    return json.dumps(snapshot.export(emulator), separators=(",", ":"))


async def dumps_off_loop(emulator: Emulator) -> str:
    """``dumps``, with only a cheap capture on the event loop (see emulator/snapshot_text.py)."""
    return await asyncio.to_thread(snapshot_text.text, snapshot_text.capture(emulator))


class Imported(BaseModel):
    imported: bool = True
    version: int
    orgs: int
    numbers: int
    agents: int
    calls: int
    webhook_endpoints: int
    webhook_deliveries: int
    jobs: int
    clock: ClockState


async def get_state(request: Request) -> Response:
    return Response(await dumps_off_loop(http.emulator(request)), media_type="application/json")


async def put_state(request: Request) -> Response:
    emulator = http.emulator(request)
    state = restore(emulator, await _snapshot_body(request))
    stream.state_replaced(emulator, "import")
    orgs = list(state.store.orgs.oldest_first())
    return http.respond(
        Imported(
            version=snapshot.VERSION,
            orgs=len(orgs),
            numbers=sum(len(o.numbers) for o in orgs),
            agents=sum(len(o.agents) for o in orgs),
            calls=sum(len(o.calls) for o in orgs),
            webhook_endpoints=sum(len(o.endpoints) for o in orgs),
            webhook_deliveries=sum(len(o.deliveries) for o in orgs),
            jobs=len(state.jobs),
            clock=clock_out(emulator.clock),
        )
    )


async def _snapshot_body(request: Request) -> Any:
    raw = await http.body_bytes(request, MAX_SNAPSHOT_BYTES)
    if not raw.strip():
        raise InvalidRequest("request body is required: send a snapshot, as GET /_emulator/state answers it")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaType(f"Content-Type must be application/json (got {media or 'none'})")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise InvalidRequest(f"request body is not valid JSON: {exc}") from None


routes = [
    http.route("/_emulator/state", get=get_state, put=put_state),
]


# ---------------------------------------------------------------- the state file


def load_state_file(emulator: Emulator, path: str) -> bool:
    """Load ``path`` if it exists (False when it does not). A file that cannot be used
    raises SnapshotError with a one-line reason, and is never touched."""
    target = Path(path)
    if not target.parent.is_dir():
        raise snapshot.SnapshotError(f"state file {path}: its directory {target.parent} does not exist")
    if not target.exists():
        return False
    try:
        doc = json.loads(target.read_bytes())
    except (OSError, ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise snapshot.SnapshotError(
            f"state file {path} is unreadable, truncated or corrupt ({reason}); it was left untouched"
        ) from None
    try:
        restore(emulator, doc)
    except snapshot.SnapshotError as exc:
        raise snapshot.SnapshotError(
            f"state file {path} does not hold a usable snapshot ({exc.message}); it was left untouched"
        ) from None
    return True


def write_atomic(path: str, text: str | Iterable[str]) -> None:
    """A temporary file in the same directory, fsynced, then renamed over ``path``:
    a crash leaves the old file or the new one, never a part of one."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines([text] if isinstance(text, str) else text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # and the rename itself survives a crash
    finally:
        os.close(dir_fd)


def save_state_file(emulator: Emulator, path: str) -> None:
    write_atomic(path, dumps(emulator))


async def save_state_file_async(emulator: Emulator, path: str) -> None:
    """Capture on the loop (cheap, consistent); encode and write in a thread."""
    await asyncio.to_thread(write_atomic, path, snapshot_text.chunks(snapshot_text.capture(emulator)))


class StateFileInUse(Exception):
    """Another process owns the state file."""


def lock_state_file(path: str) -> int:
    """Own ``path`` for this process's life: an exclusive flock on ``path.lock``, which
    records the owner's pid and is removed at exit (a killed owner's lock dies with it)."""
    if not Path(path).parent.is_dir():
        raise snapshot.SnapshotError(f"state file {path}: its directory {Path(path).parent} does not exist")
    lock = f"{path}.lock"
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            owner = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise StateFileInUse(
                f"state file {path} is in use by another emulator (pid {owner}); "
                "stop that one or choose another --state-file"
            ) from None
        with suppress(OSError):
            if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                break  # else the owner we waited on removed it as it exited: lock the new one
        os.close(fd)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    atexit.register(_unlock, lock, fd)
    return fd


def _unlock(lock: str, fd: int) -> None:
    with suppress(OSError):
        os.unlink(lock)  # while still holding it, so no one locks the file being removed
    os.close(fd)
