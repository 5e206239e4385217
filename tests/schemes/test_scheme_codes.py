"""Scheme codes: unambiguous alphabet, and a check character that catches every
single mistyped character and every swap of two adjacent characters."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from models.schemes.codes import (
    ALPHABET,
    CODE_LENGTH,
    format_for_reading,
    generate_code,
    is_valid,
    is_well_formed,
    normalise,
)

SAMPLE_SIZE = 300


def _sample_codes() -> list[str]:
    rng = random.Random(7)
    return [generate_code(lambda: rng.choice(ALPHABET)) for _ in range(SAMPLE_SIZE)]


def test_alphabet_has_no_look_alikes() -> None:
    assert not set("01OIL") & set(ALPHABET)
    assert len(set(ALPHABET)) == len(ALPHABET) == 31
    assert CODE_LENGTH <= 12


def test_generated_codes_are_valid() -> None:
    for code in _sample_codes():
        assert is_well_formed(code) and is_valid(code)


def test_every_single_substitution_is_caught() -> None:
    for code in _sample_codes():
        for position in range(len(code)):
            for symbol in ALPHABET:
                if symbol != code[position]:
                    typo = code[:position] + symbol + code[position + 1 :]
                    assert not is_valid(typo), (code, typo)


def test_every_adjacent_swap_is_caught() -> None:
    for code in _sample_codes():
        for position in range(len(code) - 1):
            a, b = code[position], code[position + 1]
            if a != b:
                swapped = code[:position] + b + a + code[position + 2 :]
                assert not is_valid(swapped), (code, swapped)


def test_reading_and_typing_round_trip() -> None:
    code = _sample_codes()[0]
    spoken = format_for_reading(code)
    assert "-" in spoken
    assert normalise(f"  {spoken.lower()} ") == code
    assert is_valid(normalise(spoken))


@given(st.text(max_size=20))
def test_arbitrary_text_never_crashes_and_rarely_passes(text: str) -> None:
    code = normalise(text)
    assert is_valid(code) == (is_well_formed(code) and is_valid(code))
    if not is_well_formed(code):
        assert not is_valid(code)
