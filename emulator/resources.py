"""Files shipped with the emulator: the OpenAPI contract and the scenario library.

In a wheel they sit inside the package; in a source checkout, at the top of
the repository. Both layouts resolve here, so nothing else cares.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (PACKAGE / name, PACKAGE.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{name} is not shipped with this installation")


def openapi_path() -> Path:
    return _find("openapi.yaml")


def scenarios_dir() -> Path:
    return _find("scenarios")


@functools.cache
def openapi_yaml() -> bytes:
    return openapi_path().read_bytes()


@functools.cache
def openapi_json() -> bytes:
    import yaml

    return json.dumps(yaml.safe_load(openapi_yaml())).encode()
