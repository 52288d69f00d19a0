"""Test tooling: the pytest plugin, the per-test handle, in-process transport."""

from emulator.testing.handle import CallingBox, WaitTimeout

__all__ = ["CallingBox", "WaitTimeout"]
