"""What ``callingbox-emulator up`` prints once it listens: where, with which key, secret,
clock and dialect, and the lines to paste into a shell; beyond loopback, a warning.

Apart from emulator/cli.py, which turns options into a Config and runs, because this is
the one text a user reads from the command, and tests read it line by line.
"""

from __future__ import annotations

from emulator import __version__
from emulator.config import DEFAULT_API_KEY, TOKEN_HEADER, Config


def text(config: Config, base_url: str, api_key: str, secret: str, hosts: str, exposed: bool) -> str:
    sink = f"{base_url}/_emulator/sinks/default"
    return "\n".join(
        [
            f"CallingBox emulator {__version__} listening on {base_url}",
            f"  API key:                {api_key}",
            *_dialect_lines(config, secret),
            f"  clock:                  {config.clock} (speed {config.speed:g}), seed {config.seed}",
            f"  webhooks:               timeout {config.webhook_timeout:g} s; strict URLs {_on(config.strict_webhook_urls)}",
            *([f"  state file:             {config.state_file}"] if config.state_file else []),
            f"  webhook sink:           {sink}  (use it as a webhook_url;",
            f"                          read what arrived at GET {sink})",
            f"  Host names served:      {hosts} (more with --allowed-host)",
            f"  control plane:          {base_url}/_emulator, "
            + (
                f"header {TOKEN_HEADER}: {config.control_token}" if config.control_token else "no token (loopback only)"
            ),
            *(_exposure_warning(config, base_url, api_key) if exposed else []),
            "",
            f"  export CALLINGBOX_BASE_URL={base_url}",
            f"  export CALLINGBOX_API_KEY={api_key}",
            "",
            "Ctrl-C to stop.",
        ]
    )


def _dialect_lines(config: Config, secret: str) -> list[str]:
    if config.dialect == "voxbridge":
        return [
            f"  default signing secret: {secret}  (the org's webhook_secret: signs X-Voice-Signature)",
            "  dialect:                voxbridge (POST /v1/calls/outbound; agents, webhook URL and minutes: "
            "/_emulator/orgs/{org_id})",
        ]
    return [
        f"  default signing secret: {secret}",
        f"  dialect:                callingbox; legacy calls {_on(config.legacy_calls)} (the prompt-based "
        f"POST /v1/calls of SDK 0.1.0: --legacy-calls)",
    ]


def _on(flag: bool) -> str:
    return "on" if flag else "off"


def _exposure_warning(config: Config, base_url: str, api_key: str) -> list[str]:
    default_key = " (the public default one: set --api-key)" if api_key == DEFAULT_API_KEY else ""
    return [
        "",
        f"  WARNING: listening on {config.host}, beyond loopback. Every host that reaches this port",
        f"  can use the API with the key above{default_key},",
        "  and the control plane (reset, the clock, the state export with every key and secret)",
        "  with the token above. Every /_emulator request must send it:",
        f"      curl -H '{TOKEN_HEADER}: {config.control_token}' {base_url}/_emulator/orgs",
    ]
