"""Benchmark groups; each module has ``run(opts) -> dict`` and ``report(result) -> list[str]``."""
