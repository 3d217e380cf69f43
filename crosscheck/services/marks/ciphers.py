"""Paper ciphers: random, unguessable, easy to read aloud and type."""
from __future__ import annotations

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a cipher is read off a screen and typed by people.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 10  # 25**10 ≈ 9.5e13: guessing one of a campaign's ciphers is hopeless


def new_cipher(taken: set[str] | None = None) -> str:
    while True:
        cipher = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if not taken or cipher not in taken:
            return cipher
