"""Attacks on the emulator through its public surface: what a hostile page, peer or client can do."""
