"""The HTTP layer (starlette): one package per dialect (``api/<dialect>/``) and the shared /_emulator control plane."""
