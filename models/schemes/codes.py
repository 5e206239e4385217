"""Scheme codes: short, unambiguous over the phone, with a check character.

The alphabet leaves out look-alikes (0/O, 1/I/L) and has 31 symbols, a prime. The
check character makes the position-weighted sum of all symbols divisible by 31, with
weights 1, 2, 3, ... Because 31 is prime and every weight is below 31, any single
wrong character changes the sum by a non-multiple of 31, and swapping two different
adjacent characters changes it by their difference: both are always detected.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MODULUS = len(ALPHABET)  # 31
PAYLOAD_LENGTH = 8
CODE_LENGTH = PAYLOAD_LENGTH + 1
RandomSymbol = Callable[[], str]
_VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}

assert MODULUS == 31  # noqa: S101 - the proof above needs a prime above CODE_LENGTH


def _weighted_sum(symbols: str) -> int:
    return sum((position + 1) * _VALUE[symbol] for position, symbol in enumerate(symbols))


def check_character(payload: str) -> str:
    """The symbol that, appended to ``payload``, makes the code valid."""
    weight = len(payload) + 1
    # Solve weighted_sum + weight * c == 0 (mod 31) for c.
    value = (-_weighted_sum(payload) * pow(weight, -1, MODULUS)) % MODULUS
    return ALPHABET[value]


def normalise(code: str) -> str:
    """Upper-case, without spaces or dashes, as people type or read it."""
    return code.strip().upper().replace("-", "").replace(" ", "")


def is_well_formed(code: str) -> bool:
    """Right length and only symbols of the alphabet (says nothing of the check)."""
    return len(code) == CODE_LENGTH and all(symbol in _VALUE for symbol in code)


def is_valid(code: str) -> bool:
    """Well formed and its check character matches."""
    return is_well_formed(code) and _weighted_sum(code) % MODULUS == 0


def generate_code(random_symbol: RandomSymbol | None = None) -> str:
    """A fresh random code (uniqueness is the database's job: retry on conflict)."""
    choose = random_symbol or (lambda: secrets.choice(ALPHABET))
    payload = "".join(choose() for _ in range(PAYLOAD_LENGTH))
    return payload + check_character(payload)


def format_for_reading(code: str) -> str:
    """Grouped for reading aloud: ``ABCD-EFGH-J``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
