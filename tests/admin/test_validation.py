"""The normalising checks behind every administration input, at their edges."""

from __future__ import annotations

from decimal import Decimal

import pytest

from resolvers.errors import DomainError, ErrorCode
from resolvers.validation import (
    a_or_an,
    clean_code,
    clean_email,
    clean_name,
    clean_phone,
    money_to_minor,
)

FIELD = ["input", "x"]


@pytest.mark.parametrize(
    ("amount", "minor"),
    [
        ("0", 0),
        ("-0.00", 0),
        ("0E-10", 0),
        ("0.01", 1),
        ("12.5", 1250),
        ("12.50", 1250),
        ("12.500", 1250),  # trailing zeros are the same amount
        ("1E+3", 100000),
        ("21474836.47", 2**31 - 1),
    ],
)
def test_money_to_minor(amount: str, minor: int) -> None:
    assert money_to_minor(Decimal(amount), FIELD) == minor


@pytest.mark.parametrize(
    "amount",
    [
        "-0.01",
        "-5",
        "0.001",
        "12.505",
        "1.0000000000000000000000000001",
        "21474836.48",
        "NaN",
        "Infinity",
        "-Infinity",
        "sNaN",
    ],
)
def test_money_to_minor_refuses(amount: str) -> None:
    with pytest.raises(DomainError) as raised:
        money_to_minor(Decimal(amount), FIELD)
    assert (raised.value.code, raised.value.field) == (ErrorCode.VALIDATION, FIELD)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+919812345678", "+919812345678"),
        (" +91 98123-45678 ", "+919812345678"),
        ("+12025550123", "+12025550123"),
    ],
)
def test_phone(typed: str, stored: str) -> None:
    assert clean_phone(typed, FIELD) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "919812345678",
        "+0919812345678",
        "+9112345",
        "+9198123456789012",
        "+91981234567a",
        "+٩١٩٨١٢٣٤٥٦٧٨",
        "+919812345678\n+1",
    ],
)
def test_phone_refuses(typed: str) -> None:
    with pytest.raises(DomainError):
        clean_phone(typed, FIELD)


@pytest.mark.parametrize(
    "typed", ["", "a", "a@b", "a@b.", "a@.b", "a@b..c", "a b@c.d", "a@b@c.d", "@b.c", "a@b.c d"]
)
def test_email_refuses(typed: str) -> None:
    with pytest.raises(DomainError):
        clean_email(typed, FIELD)


def test_email_is_lower_cased() -> None:
    assert clean_email(" Asha.Devi+Work@Example.CO.IN ", FIELD) == "asha.devi+work@example.co.in"


@pytest.mark.parametrize("typed", ["", " ", "K" * 17, "KA 01", "KA_01", "K\nA", "KÄ"])
def test_code_refuses(typed: str) -> None:
    with pytest.raises(DomainError):
        clean_code(typed, FIELD)


def test_code_and_name_are_normalised() -> None:
    assert clean_code(" ka-01 ", FIELD) == "KA-01"
    assert clean_name("  Hill \t Top\n", FIELD) == "Hill Top"


@pytest.mark.parametrize(
    ("word", "within", "starting"),
    [
        ("ACTIVE", "an ACTIVE", "An ACTIVE"),
        ("BANNED", "a BANNED", "A BANNED"),
        ("OPERATOR", "an OPERATOR", "An OPERATOR"),
        ("UPGRADE", "an UPGRADE", "An UPGRADE"),
        ("CSA", "a CSA", "A CSA"),
    ],
)
def test_a_or_an(word: str, within: str, starting: str) -> None:
    assert a_or_an(word) == within
    assert a_or_an(word, starts_sentence=True) == starting
