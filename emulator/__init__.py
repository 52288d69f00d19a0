"""callingbox-emulator: a faithful, stateful, local emulator of the CallingBox API."""

__version__ = "0.1.0"
