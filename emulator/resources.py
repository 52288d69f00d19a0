"""Files shipped with the emulator: the two OpenAPI contracts and the scenario library.

In a wheel they sit inside the package; in a source checkout, at the top of
the repository. Both layouts resolve here, so nothing else cares.

``openapi.yaml`` is the default dialect's product contract (its routes and their
webhooks: what users fuzz and test their clients against; a dialect names its own file); ``emulator-openapi.yaml``
describes the emulator's own control plane under ``/_emulator``. They are kept
apart so that fuzzing the product never moves the clock or arms a fault.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

PRODUCT = "openapi.yaml"
CONTROL = "emulator-openapi.yaml"


def _find(name: str) -> Path:
    for candidate in (PACKAGE / name, PACKAGE.parent / name):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"{name} is not shipped with this installation")


def openapi_path(name: str = PRODUCT) -> Path:
    return _find(name)


def scenarios_dir() -> Path:
    return _find("scenarios")


@functools.cache
def openapi_yaml(name: str = PRODUCT) -> bytes:
    return openapi_path(name).read_bytes()


@functools.cache
def openapi_json(name: str = PRODUCT) -> bytes:
    import yaml

    return json.dumps(yaml.safe_load(openapi_yaml(name))).encode()
