"""Ciphers of papers (and of calibration copies): random, unguessable, easy to read aloud and type."""
from __future__ import annotations

import secrets

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a cipher is read off a screen and typed by people.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 10  # 25**10 ≈ 9.5e13: guessing one of a campaign's ciphers is hopeless


# A random byte below this picks a letter without bias (byte % 25); the rest are drawn again.
_UNBIASED = 256 - 256 % len(ALPHABET)


def new_cipher(taken: set[str] | None = None) -> str:
    while True:
        letters = [ALPHABET[b % len(ALPHABET)] for b in secrets.token_bytes(2 * LENGTH) if b < _UNBIASED]
        if len(letters) < LENGTH:
            continue  # 20 bytes almost always give 10 letters (each byte is kept with p = 250/256)
        cipher = "".join(letters[:LENGTH])
        if not taken or cipher not in taken:
            return cipher


def new_ciphers(count: int, taken: set[str]) -> list[str]:
    """``count`` new ciphers, none in ``taken`` nor twice (each added to ``taken``): what
    :func:`new_cipher` gives, drawn from one call for random bytes (an import makes thousands)."""
    ciphers: list[str] = []
    while len(ciphers) < count:
        size = len(ALPHABET)
        letters = "".join(ALPHABET[b % size] for b in secrets.token_bytes(2 * LENGTH * (count - len(ciphers)))
                          if b < _UNBIASED)
        for start in range(0, len(letters) - LENGTH + 1, LENGTH):
            cipher = letters[start:start + LENGTH]
            if cipher not in taken:
                taken.add(cipher)
                ciphers.append(cipher)
                if len(ciphers) == count:
                    break
    return ciphers
