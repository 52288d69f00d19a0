"""The one seeded source of ids, secrets and randomness.

``--seed N`` makes every id, key, secret, generated value and jitter of a run
reproducible. Nothing else in the emulator creates randomness.
"""

from __future__ import annotations

import random

# A version-4 UUID from 128 random bits, as uuid.UUID(int=..., version=4) makes it: the version
# nibble set to 4 and the variant bits to 10. Done on the int and formatted directly (3x faster).
_V4_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_V4_SET = (0x4000 << 64) | (0x8000 << 48)


class Ids:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.random = random.Random(seed)

    def uuid(self) -> str:
        h = "%032x" % (self.random.getrandbits(128) & _V4_CLEAR | _V4_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

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
