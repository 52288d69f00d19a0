"""The ``callingbox-emulator`` command. It only turns options into a Config and runs."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from emulator import __version__
from emulator.config import DEFAULT_API_KEY, DEFAULT_PORT, Config, from_env

UP_RETAIN_CALLS = 10_000  # ended calls per org a served emulator keeps (the library default keeps all)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callingbox-emulator",
        description="A local, deterministic emulator of the CallingBox API.",
    )
    parser.add_argument("--version", action="version", version=f"callingbox-emulator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser(
        "up",
        help="serve the emulator over HTTP",
        description="Serve the emulator. Every option can also be set with CALLINGBOX_EMULATOR_<OPTION>.",
    )
    up.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    up.add_argument("--port", type=int, help=f"port (default {DEFAULT_PORT}; 0 picks a free port)")
    up.add_argument("--seed", type=int, help="seed for every id, secret and generated value (default 0)")
    up.add_argument("--api-key", help=f"API key of the default org (default {DEFAULT_API_KEY})")
    up.add_argument("--dialect", help="the API to speak: callingbox (default) or voxbridge")
    up.add_argument(
        "--legacy-calls",
        action="store_true",
        default=None,
        help="accept the legacy prompt-based POST /v1/calls body (as SDK 0.1.0 sends)",
    )
    up.add_argument(
        "--balance",
        type=int,
        dest="balance_milli_cents",
        help="starting balance of each org, in milli-cents (default 100000000 = $1,000.00)",
    )
    up.add_argument("--clock", choices=("realtime", "manual"), help="realtime (default) or manual time")
    up.add_argument("--speed", type=float, help="realtime speed factor (default 1)")
    up.add_argument("--scenarios", action="append", metavar="DIR", help="extra scenario files (repeatable)")
    up.add_argument(
        "--strict-webhook-urls",
        action="store_true",
        default=None,
        help="reject http:// and private webhook URLs, as production does",
    )
    up.add_argument(
        "--state-file",
        metavar="PATH",
        help="load the state from PATH at start if it exists; save it there at exit and periodically",
    )
    up.add_argument(
        "--state-interval",
        type=float,
        metavar="SECONDS",
        help="seconds between saves of --state-file (default 30; 0 = only at exit)",
    )
    up.add_argument(
        "--webhook-timeout",
        type=float,
        metavar="SECONDS",
        help="seconds a webhook receiver has to answer before the attempt fails (default 10)",
    )
    up.add_argument(
        "--allowed-host",
        action="append",
        dest="allowed_hosts",
        metavar="NAME",
        help="also serve requests whose Host is NAME (repeatable; '*' = any; env "
        "CALLINGBOX_EMULATOR_ALLOWED_HOSTS, comma-separated); by default only the bound "
        "address and loopback names are served (DNS-rebinding protection)",
    )
    up.add_argument(
        "--control-token",
        metavar="TOKEN",
        help="require this X-Emulator-Token header on /_emulator (default: a random one when "
        "--host is beyond loopback, none on loopback)",
    )
    up.add_argument(
        "--header-timeout",
        type=float,
        metavar="SECONDS",
        help="seconds a client has to send a request's headers before it is closed (default 10)",
    )
    up.add_argument(
        "--body-timeout",
        type=float,
        metavar="SECONDS",
        help="seconds a client has to send a request body before it gets 408 (default 30)",
    )
    up.add_argument(
        "--retain-calls",
        type=int,
        metavar="N",
        help="ended calls kept per org with their deliveries, oldest dropped first (default 10000; 0 = keep all)",
    )
    up.add_argument(
        "--conformance",
        choices=("off", "warn", "strict"),
        help="check every answer and webhook body against the OpenAPI contracts: warn lists "
        "violations at /_emulator/conformance, strict also answers 500 (default off)",
    )
    up.add_argument(
        "--rate-limit",
        metavar="N[/BURST]",
        help="every org: API requests per second (bursts of BURST, default N) beyond which "
        "requests answer 429 with Retry-After (default off)",
    )
    up.add_argument(
        "--max-concurrent-calls",
        type=int,
        metavar="N",
        help="every org: a dispatch beyond N calls in flight answers 429 (default off)",
    )
    up.add_argument(
        "--calling-hours",
        metavar="HH:MM-HH:MM",
        help="every org: a call that would ring outside these hours (callee's local time, "
        "from the area code) fails with outside_calling_hours (default off)",
    )
    up.add_argument(
        "--do-not-call",
        metavar="FILE_OR_LIST",
        help="every org: numbers refused at dispatch (comma-separated, or a file of one number per line)",
    )
    listen = commands.add_parser(
        "listen",
        help="forward an org's webhooks to a local app and print each one",
        description="Register a webhook endpoint on a running emulator and forward every event to "
        "--forward-to, printing each (like `stripe listen`).",
    )
    listen.add_argument("--forward-to", required=True, metavar="URL", help="your app's webhook URL")
    listen.add_argument("--base-url", help="the emulator (default $CALLINGBOX_BASE_URL or http://127.0.0.1:8787)")
    listen.add_argument("--api-key", help="the org's key (default $CALLINGBOX_API_KEY or sk_test_emulator)")
    listen.add_argument("--events", default="*", help="comma-separated event types (default *)")
    scenarios = commands.add_parser("scenarios", help="check and list scenario files")
    actions = scenarios.add_subparsers(dest="action", required=True)
    validate = actions.add_parser("validate", help="check scenario files; exit 1 on the first error")
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or directories (default: the shipped library)"
    )
    listing = actions.add_parser("list", help="list the scenarios a server would load")
    listing.add_argument(
        "--scenarios", action="append", metavar="DIR", default=[], help="extra scenario files (repeatable), as for `up`"
    )
    actions.add_parser("schema", help="print the JSON Schema of the scenario format")
    return parser


def scenarios(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from emulator.resources import scenarios_dir
    from emulator.simulation.library import load_scenarios
    from emulator.simulation.registry import Registry
    from emulator.simulation.scenario import ScenarioError, json_schema, load_path

    if args.action == "schema":
        print(json.dumps(json_schema(), indent=2))
        return 0
    try:
        if args.action == "validate":
            paths = [Path(p) for p in args.paths] or [scenarios_dir()]
            count = sum(len(load_path(p)) for p in paths)
            print(f"ok: {count} scenarios in {', '.join(map(str, paths))}")
            return 0
        registry = Registry()
        for found in load_scenarios(tuple(args.scenarios)):
            registry.add(found)
    except ScenarioError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for scenario, source in registry.entries():
        match = scenario.match.model_dump(exclude_none=True) if scenario.match else "(by name only)"
        print(f"{scenario.name:28} {scenario.outcome:18} {match}  [{Path(source).name}]")
    return 0


def listen(args: argparse.Namespace) -> int:
    import asyncio
    import os

    from emulator import listen as forwarding
    from emulator.server import PortInUse

    base_url = args.base_url or os.environ.get("CALLINGBOX_BASE_URL") or f"http://127.0.0.1:{DEFAULT_PORT}"
    api_key = args.api_key or os.environ.get("CALLINGBOX_API_KEY") or DEFAULT_API_KEY
    events = [e.strip() for e in args.events.split(",") if e.strip()]
    try:
        asyncio.run(forwarding.run(base_url.rstrip("/"), api_key, args.forward_to, events))
    except (RuntimeError, PortInUse, OSError) as exc:
        print(f"callingbox-emulator listen: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


def _config(args: argparse.Namespace) -> Config:
    settings = {"clock": "realtime", "retain_calls": UP_RETAIN_CALLS, **from_env()}
    flags = {k: v for k, v in vars(args).items() if k != "command" and v is not None}
    for name in ("scenarios", "allowed_hosts"):
        if name in flags:
            flags[name] = tuple(flags[name])
    return Config(**{**settings, **flags})


def up(args: argparse.Namespace) -> int:
    from emulator import banner, server
    from emulator.api import dialects
    from emulator.api.guard import describe_hosts, is_loopback, policy_for, with_token
    from emulator.api.state import StateFileInUse, load_state_file, lock_state_file
    from emulator.runtime import Emulator
    from emulator.simulation.scenario import ScenarioError
    from emulator.snapshot import SnapshotError

    try:
        config = _config(args)
        if not 0 <= config.port <= 65535:  # bind() would raise OverflowError, a traceback
            raise ValueError(f"port {config.port} is out of range (0-65535)")
        if not config.state_interval >= 0:
            raise ValueError(f"state interval {config.state_interval} must be 0 or more seconds")
        if config.retain_calls < 0:
            raise ValueError(f"retain calls {config.retain_calls} must be 0 (keep all) or more")
        for name in ("webhook_timeout", "header_timeout", "body_timeout"):
            if not getattr(config, name) > 0:
                raise ValueError(f"{name.replace('_', ' ')} {getattr(config, name)} must be more than 0 seconds")
        if config.conformance not in ("off", "warn", "strict"):  # from CALLINGBOX_EMULATOR_CONFORMANCE
            raise ValueError(f"conformance {config.conformance!r} must be off, warn or strict")
        config = with_token(config)  # beyond loopback, the control plane needs a token
        # The dialect's profile from the start: the default org, a loaded state and every event are its.
        emulator = Emulator(config, profile=dialects.get(config.dialect or None).profile)  # ValueError: bad mode
        if config.state_file:  # ours while we run (lock held open); a file it cannot use stops it here, untouched
            lock = lock_state_file(config.state_file)  # noqa: F841
            load_state_file(emulator, config.state_file)
        sock = server.bind(config.host, config.port)
    except (ValueError, TypeError, server.PortInUse, ScenarioError, SnapshotError) as exc:
        print(f"callingbox-emulator: {exc}", file=sys.stderr)
        return 2
    except StateFileInUse as exc:  # a second owner would overwrite the first one's data
        print(f"callingbox-emulator: {exc}", file=sys.stderr)
        return 1
    base_url = server.base_url_of(sock)
    hosts = describe_hosts(policy_for(config, (sock.getsockname()[0], config.host)))

    def ready() -> None:
        # From the org itself: a loaded state file may have brought its own key and secret.
        # Its config: the dialect fills what was left to it (its key, its webhook timeout).
        org = emulator.default_org
        print(
            banner.text(
                emulator.config, base_url, org.api_key, org.default_signing_secret, hosts, not is_loopback(config.host)
            ),
            flush=True,
        )

    server.serve(emulator, sock, on_ready=ready, host=config.host)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"up": up, "scenarios": scenarios, "listen": listen}[args.command](args)
    except KeyboardInterrupt:  # Ctrl-C before the server took over the signals
        return 130
