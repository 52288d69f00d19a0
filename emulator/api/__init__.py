"""The HTTP layer (starlette): the CallingBox /v1 dialect and the /_emulator control plane."""
