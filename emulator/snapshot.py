"""State snapshots: the whole emulator as one JSON document, and back. No I/O here.

Records are written from their dataclass fields (a new field needs no change here) and read
back checked against their annotations (emulator/snapshot_codec.py); a change to what is
persisted gets a new version and a migration (emulator/snapshot_versions.py). A snapshot also holds what makes the run go on: clock,
seed and generator states, scenarios loaded at run time, scheduled jobs (lifecycle steps, webhook
attempts). The journal, faults, attempt log, sinks and event history are observation: left out.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from emulator.clock import MAX_TIME, MIN_TIME, MODES, check_speed, check_time
from emulator.domain.records import Call, Delivery
from emulator.domain.store import Org, Store
from emulator.domain.table import Table
from emulator.runtime import Emulator
from emulator.scheduler import Job
from emulator.simulation import lifecycle
from emulator.simulation.scenario import Scenario
from emulator.snapshot_codec import decode, encode
from emulator.snapshot_versions import VERSION as VERSION
from emulator.snapshot_versions import SnapshotError as SnapshotError
from emulator.snapshot_versions import current

KEYS = ("version", "seed", "clock", "random", "default_org_id", "orgs", "scenarios", "jobs")
# A scheduled job by its registered step's stable name (see Scheduler.register): its arguments.
STEPS = {
    **{step: ("call_id", "scenario", "seed") for step in ("initiate", "connect", "pickup", "hangup", "extract")},
    "end": ("call_id", "status", "scenario"),  # after a voicemail message
    "redial": ("call_id", "scenario"),  # an unanswered attempt's call, back to queued
    "deliver": ("delivery_id", "manual"),
}
# The call status each engine step starts from (``end`` is checked by the lifecycle table).
STATUS_BEFORE = {
    "initiate": "queued",
    "connect": "initiated",
    "pickup": "ringing",
    "hangup": "in_progress",
    "extract": "in_progress",
}  # extraction runs after hangup, before `completed`


def export(emulator: Emulator, org_out: Callable[[Org], Any] = encode, jobs_out: Any = None) -> dict[str, Any]:
    clock = emulator.clock
    jobs = emulator.scheduler.jobs()  # in run order
    base = {id(s) for found in emulator.base_scenarios for s, _ in found}  # the library it starts with
    loaded = [(s, src) for s, src in emulator.scenarios.entries() if id(s) not in base]  # precedence order
    return {
        "version": VERSION,
        "seed": emulator.ids.seed,
        "clock": {"now": clock.now(), "mode": clock.mode, "speed": clock.speed},
        "random": {
            "ids": encode(emulator.ids.random.getstate()),
            "webhook_jitter": encode(emulator.dispatcher.jitter.getstate()),
        },
        "default_org_id": emulator.default_org.id,
        "orgs": [org_out(org) for org in emulator.store.orgs.oldest_first()],
        "scenarios": [{"source": src, "scenario": s.model_dump(mode="json")} for s, src in loaded],
        "jobs": jobs_out(jobs) if jobs_out else [_job_out(job) for job in jobs],
    }


def _job_out(job: Job) -> dict[str, Any]:
    if job.step not in STEPS:
        name = getattr(job.fn, "__qualname__", repr(job.fn))
        raise TypeError(f"cannot export the scheduled job {name}: schedule it as a registered step in STEPS")
    out: dict[str, Any] = {"step": job.step, "due": job.due}
    for key, arg in zip(STEPS[job.step], job.args, strict=True):
        out[key] = arg.id if key.endswith("_id") else arg.model_dump(mode="json") if key == "scenario" else arg
    return out


@dataclass(slots=True)
class State:
    seed: int
    clock: tuple[float, str, float]  # now, mode, speed
    rng: dict[str, tuple[Any, ...]]
    store: Store
    default_org: Org
    scenarios: list[tuple[Scenario, str]]
    jobs: list[tuple[float, str, tuple[Any, ...]]]  # due, step, arguments


def parse(doc: Any) -> State:
    """Check a whole snapshot and build its objects, touching no emulator."""
    if not isinstance(doc, dict):
        raise SnapshotError("a snapshot must be a JSON object")
    doc = current(doc)  # an older version, brought forward (emulator/snapshot_versions.py)
    for key in (*doc, *KEYS):
        if key not in KEYS or key not in doc:
            raise SnapshotError(f"{key}: " + ("is required" if key in KEYS else f"is not a snapshot field ({KEYS})"))
    store = _store(decode(list[Org], doc["orgs"], "orgs"))
    default = store.orgs.get(doc["default_org_id"]) if isinstance(doc["default_org_id"], str) else None
    if default is None:
        raise SnapshotError("default_org_id: must be the id of one of the orgs")
    clock = decode(dict[str, Any], doc["clock"], "clock")
    if sorted(clock) != ["mode", "now", "speed"] or clock["mode"] not in MODES:
        raise SnapshotError(f'clock: must be {{"now", "mode" ({" or ".join(MODES)}), "speed"}}')
    now, speed = decode(float, clock["now"], "clock.now"), decode(float, clock["speed"], "clock.speed")
    try:
        check_time(now, "clock.now"), check_speed(speed, "clock.speed")
    except ValueError as exc:
        raise SnapshotError(str(exc)) from None
    states = decode(dict[str, list[Any]], doc["random"], "random")
    if sorted(states) != ["ids", "webhook_jitter"]:
        raise SnapshotError("random: must hold exactly the generator states ids and webhook_jitter")
    return State(
        seed=decode(int, doc["seed"], "seed"),
        clock=(now, clock["mode"], speed),
        rng={name: _rng_state(raw, f"random.{name}") for name, raw in states.items()},
        store=store,
        default_org=default,
        scenarios=_scenarios(doc["scenarios"]),
        jobs=_jobs(doc["jobs"], store),
    )


def _rng_state(raw: list[Any], where: str) -> tuple[Any, ...]:
    try:
        state = (raw[0], tuple(raw[1]), raw[2]) if len(raw) == 3 else ()
        random.Random().setstate(state)
    except (TypeError, ValueError, OverflowError, IndexError) as exc:
        raise SnapshotError(f"{where}: not a random generator state ({exc})") from None
    return state


def _store(orgs: list[Org]) -> Store:
    store = Store()
    for i, org in enumerate(orgs):
        if org.id in store.orgs or org.api_key in store.orgs_by_key:
            raise SnapshotError(f"orgs[{i}]: id {org.id} or api_key {org.api_key} appears twice")
        for table in (org.numbers, org.agents, org.calls, org.endpoints, org.deliveries):
            for row in table.oldest_first():
                if row.org_id != org.id:
                    raise SnapshotError(f"orgs[{i}]: {table.kind} {row.id} has another org's org_id")
        for number in org.numbers.oldest_first():
            if store.numbers_by_e164.setdefault(number.e164, number) is not number:
                raise SnapshotError(f"orgs[{i}].numbers: {number.e164} belongs to two numbers")
        for call in org.calls.oldest_first():
            if call.status not in lifecycle.TERMINAL and call.status not in lifecycle.TRANSITIONS:
                raise SnapshotError(f"orgs[{i}].calls: call {call.id} has an unknown status {call.status!r}")
        for d in org.deliveries.oldest_first():  # the indexes Deliveries keeps
            for index, key in ((org.deliveries_by_call, d.call_id), (org.deliveries_by_endpoint, d.endpoint_id)):
                if key is not None:
                    index.setdefault(key, Table("webhook delivery")).add(d)
        store.add_org(org)
    return store


def _scenarios(raw: Any) -> list[tuple[Scenario, str]]:
    items = decode(list[dict[str, Any]], raw, "scenarios")
    for i, item in enumerate(items):
        if sorted(item) != ["scenario", "source"] or not isinstance(item["source"], str):
            raise SnapshotError(f'scenarios[{i}]: must be {{"source": string, "scenario": object}}')
    return [(_scenario(item["scenario"], f"scenarios[{i}].scenario"), item["source"]) for i, item in enumerate(items)]


def _scenario(raw: Any, where: str) -> Scenario:
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise SnapshotError(f"{'.'.join([where, *map(str, first['loc'])])}: {first['msg']}") from None


def _jobs(raw: Any, store: Store) -> list[tuple[float, str, tuple[Any, ...]]]:
    calls = {c.id: c for org in store.orgs.oldest_first() for c in org.calls.oldest_first()}
    deliveries = {d.id: d for org in store.orgs.oldest_first() for d in org.deliveries.oldest_first()}
    jobs, busy = [], set()
    for i, item in enumerate(decode(list[dict[str, Any]], raw, "jobs")):
        where, step = f"jobs[{i}]", item.get("step")
        if step not in STEPS:
            raise SnapshotError(f"{where}.step: must be one of {', '.join(STEPS)}")
        names = STEPS[step]
        if sorted(item) != sorted(("step", "due", *names)):
            raise SnapshotError(f"{where}: a {step} job holds exactly step, due, {', '.join(names)}")
        args = tuple(_arg(name, item[name], f"{where}.{name}", calls, deliveries) for name in names)
        if args[0].id in busy:
            raise SnapshotError(f"{where}: {args[0].id} already has a scheduled job")
        busy.add(args[0].id)
        _check_step(step, args, where)
        if not MIN_TIME <= (due := decode(float, item["due"], f"{where}.due")) <= MAX_TIME:  # NaN too
            raise SnapshotError(f"{where}.due: must be a time between unix {MIN_TIME:.0f} and {MAX_TIME:.0f}")
        jobs.append((due, step, args))
    for call in calls.values():
        if call.id not in busy and not lifecycle.is_terminal(call.status):
            raise SnapshotError(f"jobs: call {call.id} is {call.status} but no job continues it")
    for d in deliveries.values():  # a pending delivery with no job: attempt it when it is due
        if d.status == "pending" and d.id not in busy:
            jobs.append((d.next_attempt_at, "deliver", (d, d.manual_retry_count > 0)))
    return jobs


def _arg(name: str, value: Any, where: str, calls: dict[str, Call], deliveries: dict[str, Delivery]) -> Any:
    if name.endswith("_id"):
        found = (calls if name == "call_id" else deliveries).get(value) if isinstance(value, str) else None
        if found is None:
            raise SnapshotError(f"{where}: no {name.removesuffix('_id')} {value!r} in the snapshot")
        return found
    if name == "scenario":
        return _scenario(value, where)
    return decode({"seed": int, "status": str, "manual": bool}[name], value, where)


def _check_step(step: str, args: tuple[Any, ...], where: str) -> None:
    """A step the target is not ready for would fail inside the scheduler: refuse it here."""
    target = args[0]
    if step == "deliver" and target.status != "pending":
        raise SnapshotError(f"{where}: delivery {target.id} is {target.status}, not pending")
    if step == "end":
        try:
            lifecycle.check(target.status, args[1])
        except lifecycle.InvalidTransition as exc:
            raise SnapshotError(f"{where}: {exc}") from None
    if step in STATUS_BEFORE and target.status != STATUS_BEFORE[step]:
        raise SnapshotError(
            f"{where}: a {step} step needs a {STATUS_BEFORE[step]} call; {target.id} is {target.status}"
        )
