"""Checking and normalising what administrators type: names, codes, phones, money.

Each function returns the value as it is stored (trimmed, upper- or lower-cased, in
minor units) or raises a VALIDATION ``DomainError`` naming the input field at fault.
"""

from __future__ import annotations

import re
from decimal import Decimal

from resolvers.errors import DomainError, ErrorCode

# Limits of the columns in models/ (VARCHAR lengths, 32-bit INTEGER amounts).
NAME_MAX_LENGTH = 120
CODE_MAX_LENGTH = 16
ACCOUNT_NUMBER_MAX_LENGTH = 32
EMAIL_MAX_LENGTH = 254
MAX_MINOR_AMOUNT = 2**31 - 1
MINOR_UNITS_PER_MAJOR = 100  # paise per rupee

# NIST SP 800-63B: length is what makes a password strong; no composition rules. The
# upper bound only stops someone making the server hash megabytes.
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256

PHONE_PATTERN = re.compile(r"^\+[1-9][0-9]{7,14}$")  # [0-9]: \d would admit any script's digits
# Deliberately simple: one @, no spaces, a domain of dot-separated labels. Whether the
# mailbox exists is something only sending to it could tell.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
CODE_PATTERN = re.compile(rf"^[A-Z0-9-]{{1,{CODE_MAX_LENGTH}}}$")
ACCOUNT_NUMBER_PATTERN = re.compile(rf"^[A-Z0-9-]{{1,{ACCOUNT_NUMBER_MAX_LENGTH}}}$")


def shortened(text: str, max_length: int) -> str:
    """``text`` cut to ``max_length`` characters, with an ellipsis when it was longer: for
    copies of what people wrote into shorter columns (a notification, a history line)."""
    return text if len(text) <= max_length else text[: max_length - 1] + "\u2026"


def a_or_an(word: str, *, starts_sentence: bool = False) -> str:
    """``word`` after its indefinite article, for messages naming an enum value: "an
    ACTIVE consumer", "a BANNED one" (by the first letter, which suits these words)."""
    article = "an" if word[:1].upper() in "AEIOU" else "a"
    return f"{article.capitalize() if starts_sentence else article} {word}"


def input_field(name: str) -> list[str]:
    """The path of a field of the mutation's ``input`` argument (camelCase, as in GraphQL)."""
    return ["input", name]


def invalid(message: str, field: list[str]) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, field)


def clean_name(value: str, field: list[str], max_length: int = NAME_MAX_LENGTH) -> str:
    """A display name: trimmed, inner runs of spaces collapsed, not empty, not too long."""
    name = " ".join(value.split())
    if not name:
        raise invalid("Give a name.", field)
    if len(name) > max_length:
        raise invalid(f"A name has at most {max_length} characters.", field)
    return name


def clean_code(value: str, field: list[str]) -> str:
    """A short code (state, cluster, plant, package): 1-16 of A-Z, 0-9 and '-'."""
    code = value.strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise invalid(
            f"A code is 1 to {CODE_MAX_LENGTH} letters, digits or '-' (for example KA-01).", field
        )
    return code


def clean_account_number(value: str, field: list[str]) -> str:
    """A consumer's account number: 1-32 of A-Z, 0-9 and '-', stored in upper case."""
    number = value.strip().upper()
    if not ACCOUNT_NUMBER_PATTERN.fullmatch(number):
        raise invalid(
            f"An account number is 1 to {ACCOUNT_NUMBER_MAX_LENGTH} letters, digits or '-'.",
            field,
        )
    return number


def clean_phone(value: str, field: list[str]) -> str:
    """An E.164 number (``+`` then 8 to 15 digits); spaces and dashes people type are dropped.

    Sign-in drops them too (``resolvers.signin.normalise_login``), so a number is found
    however it was typed.
    """
    phone = value.strip().replace(" ", "").replace("-", "")
    if not PHONE_PATTERN.fullmatch(phone):
        raise invalid("Give the phone number in E.164 form, for example +919812345678.", field)
    return phone


def clean_email(value: str, field: list[str]) -> str:
    """An email address, lower-cased: sign-in compares emails case-insensitively."""
    email = value.strip().lower()
    if len(email) > EMAIL_MAX_LENGTH or not EMAIL_PATTERN.fullmatch(email):
        raise invalid("Give an email address such as name@example.com.", field)
    return email


def check_password(value: str, field: list[str]) -> str:
    """A new password, returned unchanged (spaces are part of passphrases)."""
    if len(value) < PASSWORD_MIN_LENGTH:
        raise invalid(f"A password needs at least {PASSWORD_MIN_LENGTH} characters.", field)
    if len(value) > PASSWORD_MAX_LENGTH:
        raise invalid(f"A password has at most {PASSWORD_MAX_LENGTH} characters.", field)
    return value


def check_positive(value: int, field: list[str]) -> int:
    if value <= 0:
        raise invalid("Must be greater than zero.", field)
    return value


def _decimal_places(value: Decimal) -> int:
    """Places after the point that matter: trailing zeros do not (``12.50`` has one)."""
    if value.is_zero():
        return 0
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # noqa: S101 - only finite values get here
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(-exponent - trailing_zeros, 0)


def money_to_minor(value: Decimal, field: list[str]) -> int:
    """An amount in rupees as integer paise: not negative, whole paise, fits the column.

    ``12.50`` and ``12.5`` are the same amount; ``12.505`` is refused, never rounded.
    """
    if not value.is_finite():
        raise invalid("Give an amount such as 250.00.", field)
    if value < 0:
        raise invalid("An amount cannot be negative.", field)
    if _decimal_places(value) > 2:
        raise invalid("An amount has at most 2 decimal places (whole paise).", field)
    largest = Decimal(MAX_MINOR_AMOUNT) / MINOR_UNITS_PER_MAJOR
    if value > largest:  # compared before multiplying, so no digit is ever rounded away
        raise invalid(f"An amount is at most {largest}.", field)
    return int(value * MINOR_UNITS_PER_MAJOR)
