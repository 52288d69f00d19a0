"""The wheel ships the VoxBridge contracts: they sit inside the package (which the wheel target
takes whole), tracked and not ignored, and resources.py finds them there, as an installed
emulator must."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

from emulator import resources
from emulator.api import dialects

REPO = Path(__file__).resolve().parents[2]


def test_the_dialects_contracts_are_package_files_the_wheel_takes() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    wheel = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    assert wheel["packages"] == ["emulator"]
    assert not wheel.get("exclude")
    vox = dialects.get("voxbridge")
    for name in (vox.openapi, vox.control_openapi):
        assert name is not None
        path = resources.openapi_path(name)
        assert path == resources.PACKAGE / name and path.is_file()  # inside the package, not the checkout
        relative = str(path.relative_to(REPO))
        assert (
            subprocess.run(["git", "ls-files", "--error-unmatch", relative], cwd=REPO, capture_output=True).returncode
            == 0
        ), f"{relative} is not tracked"
        assert subprocess.run(["git", "check-ignore", "-q", relative], cwd=REPO).returncode == 1, (
            f"{relative} is ignored"
        )
        assert resources.openapi_yaml(name).startswith(b"openapi: 3.1.0")
