"""The one seeded source of ids, secrets and randomness.

``--seed N`` makes every id, key, secret, generated value and jitter of a run
reproducible. Nothing else in the emulator creates randomness.
"""

from __future__ import annotations

import random
import uuid


class Ids:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.random = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.random.getrandbits(128), version=4))

    def hex(self, chars: int) -> str:
        return f"{self.random.getrandbits(chars * 4):0{chars}x}"

    def secret(self, prefix: str) -> str:
        """A signing secret or an API key: the dialect's prefix, then 32 hex digits."""
        return prefix + self.hex(32)

    def fork(self, label: str) -> random.Random:
        """An independent stream derived from the seed and a label.

        Pure lookups (the available-number inventory) use it so that reading
        never moves the main stream: the same seed gives the same ids no
        matter how often someone searched.
        """
        return random.Random(f"{self.seed}:{label}")
