"""Sign-in throttling and its audit, through GraphQL: free failures, growing waits, the reset,
per-address limits, no password check while throttled, parallel bursts, the recorded rows.

Time is moved forward by moving the recorded attempts back (``age_attempts``): the server's
clock stays real and no test sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx2 as httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col
from starlette.applications import Starlette

import resolvers.signin
from auth.passwords import verify_password_async
from core.settings import Settings
from models import SignInAttempt, SignInOutcome
from tests.conftest import GraphQLClient
from tests.factories import PASSWORD, World

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    accessToken
    errors { code message field retryAfterSeconds }
  }
}
"""
WRONG = "not the password"
TEST_CLIENT_ADDRESS = "127.0.0.1"  # what httpx's ASGITransport reports by default

Sessions = async_sessionmaker[AsyncSession]


async def attempt(
    client: GraphQLClient,
    login: str,
    password: str,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    body = await client.request(
        LOGIN, {"input": {"login": login, "password": password}}, headers=headers
    )
    assert not body.get("errors"), body["errors"]
    result: dict[str, Any] = body["data"]["login"]
    return result


def code(result: dict[str, Any]) -> str | None:
    """The one error code of a login result; None when it signed in."""
    if result["accessToken"] is not None:
        assert result["errors"] == []
        return None
    [error] = result["errors"]
    return str(error["code"])


def retry_after(result: dict[str, Any]) -> int:
    [error] = result["errors"]
    assert error["code"] == "TOO_MANY_ATTEMPTS"
    seconds = error["retryAfterSeconds"]
    assert isinstance(seconds, int) and seconds > 0
    assert f"Wait {seconds} second" in error["message"]
    return seconds


async def age_attempts(db: Sessions, seconds: float) -> None:
    """As if ``seconds`` had passed: every recorded attempt moves that far into the past."""
    async with db() as session:
        for row in (await session.execute(sa.select(SignInAttempt))).scalars():
            row.attempted_at -= timedelta(seconds=seconds)
        await session.commit()


async def recorded(db: Sessions) -> list[SignInAttempt]:
    async with db() as session:
        rows = await session.execute(sa.select(SignInAttempt).order_by(col(SignInAttempt.id)))
        return list(rows.scalars())


@pytest.fixture
def client_at(app: Starlette) -> Callable[[str], Any]:
    """``async with client_at("10.1.2.3") as client:`` a client calling from that address."""

    @asynccontextmanager
    async def connect(address: str) -> AsyncIterator[GraphQLClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gridline.test") as http:
            yield GraphQLClient(http)

    return connect


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The passwords the server checks with Argon2, in order."""
    checked: list[str] = []

    async def counting(password_hash: str | None, password: str) -> bool:
        checked.append(password)
        return await verify_password_async(password_hash, password)

    monkeypatch.setattr(resolvers.signin, "verify_password_async", counting)
    return checked


def email(world: World, name: str) -> str:
    value = world.users[name].email
    assert value
    return value


async def test_from_a_trusted_address_free_failures_then_waits_that_grow_then_a_reset(
    client: GraphQLClient, world: World, db: Sessions, settings: Settings
) -> None:
    login = email(world, "csa1")
    assert code(await attempt(client, login, PASSWORD)) is None  # the address is now trusted
    free = settings.signin_free_failures_per_account
    for _ in range(free):
        assert code(await attempt(client, login, WRONG)) == "INVALID_CREDENTIALS"

    waits = []
    for _ in range(3):
        refused = await attempt(client, login, WRONG)
        waits.append(retry_after(refused))
        await age_attempts(db, waits[-1])
        # The wait is over: the next wrong password is checked again, and fails.
        assert code(await attempt(client, login, WRONG)) == "INVALID_CREDENTIALS"
    base = round(settings.signin_delay_base_seconds)
    assert waits == [base, 2 * base, 4 * base]

    # During the wait even the right password is refused ...
    assert code(await attempt(client, login, PASSWORD)) == "TOO_MANY_ATTEMPTS"
    await age_attempts(db, 8 * base)
    # ... after it, the right password signs in, and the address starts afresh.
    assert code(await attempt(client, login, PASSWORD)) is None
    for _ in range(free):
        assert code(await attempt(client, login, WRONG)) == "INVALID_CREDENTIALS"
    assert retry_after(await attempt(client, login, WRONG)) == base


async def test_strangers_get_five_guesses_per_window_in_all_then_waits_that_grow(
    client_at: Callable[[str], Any], world: World, db: Sessions, settings: Settings
) -> None:
    login = email(world, "cluster2")
    limit = settings.signin_stranger_failures_per_window
    window = settings.signin_stranger_window_seconds
    for i in range(limit):  # each guess from a different address: still one account
        async with client_at(f"198.51.100.{i}") as stranger:
            assert code(await attempt(stranger, login, WRONG)) == "INVALID_CREDENTIALS"
    async with client_at("198.51.100.99") as stranger:
        # Even the right password waits until the oldest guess leaves the window.
        wait = retry_after(await attempt(stranger, login, PASSWORD))
        assert window - 5 <= wait <= window
        await age_attempts(db, wait)
        assert code(await attempt(stranger, login, WRONG)) == "INVALID_CREDENTIALS"
        # Beyond the free failures the strangers' streak also doubles its delays.
        base = round(settings.signin_delay_base_seconds)
        assert retry_after(await attempt(stranger, login, WRONG)) == 2 * base


async def test_the_owner_from_a_trusted_address_keeps_their_own_allowance(
    client_at: Callable[[str], Any], world: World, db: Sessions, settings: Settings
) -> None:
    login = email(world, "operator1")
    async with client_at("203.0.113.10") as home, client_at("192.0.2.66") as attacker:
        assert code(await attempt(home, login, PASSWORD)) is None
        for _ in range(settings.signin_stranger_failures_per_window):
            assert code(await attempt(attacker, login, WRONG)) == "INVALID_CREDENTIALS"
        for _ in range(5):  # one guess each time the wait would end, or hammering
            assert code(await attempt(attacker, login, WRONG)) == "TOO_MANY_ATTEMPTS"
        # The owner is not kept out: typos included, from the address they used before.
        assert code(await attempt(home, login, WRONG)) == "INVALID_CREDENTIALS"
        assert code(await attempt(home, login, PASSWORD)) is None
        # A stranger with the right password waits like any stranger (a new phone too).
        assert code(await attempt(attacker, login, PASSWORD)) == "TOO_MANY_ATTEMPTS"

    # Trust lapses: an address not used to sign in for the trust period is a stranger.
    await age_attempts(db, settings.signin_trusted_address_days * 86400)
    async with client_at("203.0.113.10") as home:
        for _ in range(settings.signin_stranger_failures_per_window):
            await attempt(home, login, WRONG)
        assert code(await attempt(home, login, PASSWORD)) == "TOO_MANY_ATTEMPTS"


async def test_email_and_phone_are_one_account(
    client_at: Callable[[str], Any], world: World, settings: Settings
) -> None:
    user = world.users["csa3"]
    assert user.email and user.phone
    async with client_at("192.0.2.7") as attacker:
        for _ in range(settings.signin_stranger_failures_per_window):
            assert code(await attempt(attacker, user.email, WRONG)) == "INVALID_CREDENTIALS"
    async with client_at("192.0.2.8") as other:
        assert code(await attempt(other, user.phone, WRONG)) == "TOO_MANY_ATTEMPTS"
        assert code(await attempt(other, user.phone, PASSWORD)) == "TOO_MANY_ATTEMPTS"


async def test_throttled_attempts_neither_check_the_password_nor_extend_the_wait(
    client: GraphQLClient,
    world: World,
    db: Sessions,
    settings: Settings,
    password_checks: list[str],
) -> None:
    login = email(world, "tech1")
    free = settings.signin_free_failures_per_account
    for _ in range(free):
        await attempt(client, login, WRONG)
    assert len(password_checks) == free

    first = retry_after(await attempt(client, login, WRONG))
    for _ in range(10):  # hammering during the wait
        assert retry_after(await attempt(client, login, PASSWORD)) <= first
    assert len(password_checks) == free  # no Argon2 work while throttled

    await age_attempts(db, first)
    assert code(await attempt(client, login, PASSWORD)) is None
    assert password_checks[-1] == PASSWORD


async def test_an_unknown_login_is_throttled_like_a_known_one(
    client: GraphQLClient, world: World, settings: Settings
) -> None:
    # Otherwise the throttle would tell an attacker which logins exist.
    for login in ("nobody@test.gridline", email(world, "operator1")):
        results = [
            code(await attempt(client, login, WRONG))
            for _ in range(settings.signin_free_failures_per_account + 1)
        ]
        assert results[-2:] == ["INVALID_CREDENTIALS", "TOO_MANY_ATTEMPTS"], login


async def test_an_account_is_throttled_from_every_address(
    client_at: Callable[[str], Any], world: World, settings: Settings
) -> None:
    login = email(world, "csa3")
    async with client_at("10.0.0.1") as attacker, client_at("10.0.0.2") as other:
        for _ in range(settings.signin_free_failures_per_account):
            await attempt(attacker, login, WRONG)
        assert code(await attempt(other, login, PASSWORD)) == "TOO_MANY_ATTEMPTS"
        # Other accounts from the attacker's address are not affected at this count.
        assert code(await attempt(attacker, email(world, "csa1"), PASSWORD)) is None


async def test_one_address_is_throttled_across_accounts_and_others_are_not(
    client_at: Callable[[str], Any], world: World, db: Sessions, settings: Settings
) -> None:
    per_account = settings.signin_free_failures_per_account - 1  # never an account's limit
    async with client_at("100.64.0.7") as sprayer, client_at("100.64.0.8") as neighbour:
        for i in range(settings.signin_free_failures_per_address):
            login = f"sprayed{i // per_account}@test.gridline"
            assert code(await attempt(sprayer, login, WRONG)) == "INVALID_CREDENTIALS"
        # The address has used its free failures: a fresh account from it must wait ...
        refused = await attempt(sprayer, email(world, "tech4"), PASSWORD)
        wait = retry_after(refused)
        # ... while another address signs in to that account at once.
        assert code(await attempt(neighbour, email(world, "tech4"), PASSWORD)) is None

        await age_attempts(db, wait)
        assert code(await attempt(sprayer, email(world, "tech4"), PASSWORD)) is None
        # A success from the address resets its count: failures are free again.
        for _ in range(2):
            assert code(await attempt(sprayer, "another@test.gridline", WRONG)) == (
                "INVALID_CREDENTIALS"
            )


async def test_failures_older_than_the_window_are_forgotten(
    client: GraphQLClient, world: World, db: Sessions, settings: Settings
) -> None:
    login = email(world, "cluster1")
    for _ in range(settings.signin_free_failures_per_account + 3):
        await attempt(client, login, WRONG)
    await age_attempts(db, settings.signin_failure_window_seconds)
    assert code(await attempt(client, login, WRONG)) == "INVALID_CREDENTIALS"


async def test_every_attempt_is_recorded_with_its_outcome_and_address(
    client_at: Callable[[str], Any], world: World, db: Sessions, settings: Settings
) -> None:
    app_agent = "GridlineField/2.4 (Android 9; " + "x" * 400 + ")"
    headers = {"User-Agent": app_agent}
    csa = world.users["csa1"]
    assert csa.phone
    async with client_at("2001:db8::17") as phone:
        assert code(await attempt(phone, email(world, "csa1").upper(), PASSWORD, headers)) is None
        assert code(await attempt(phone, csa.phone, WRONG, headers)) == "INVALID_CREDENTIALS"
        assert code(await attempt(phone, "Nobody@Test.Gridline", WRONG)) == "INVALID_CREDENTIALS"
        assert code(await attempt(phone, email(world, "inactive"), PASSWORD)) == "FORBIDDEN"
        for _ in range(settings.signin_free_failures_per_account):
            await attempt(phone, "+919000000001", WRONG)
        assert code(await attempt(phone, "+91 90000-00001", WRONG)) == "TOO_MANY_ATTEMPTS"
        assert code(await attempt(phone, " ", WRONG)) == "VALIDATION"  # nothing was tried

    rows = await recorded(db)
    assert {row.client_address for row in rows} == {"2001:db8::17"}
    summary = [(row.login, row.user_id, row.outcome) for row in rows]
    assert summary[:4] == [
        (email(world, "csa1"), csa.id, SignInOutcome.SUCCEEDED),
        (csa.phone, csa.id, SignInOutcome.WRONG_CREDENTIALS),
        ("nobody@test.gridline", None, SignInOutcome.WRONG_CREDENTIALS),
        (email(world, "inactive"), world.users["inactive"].id, SignInOutcome.DEACTIVATED),
    ]
    assert summary[4:] == [
        ("+919000000001", None, SignInOutcome.WRONG_CREDENTIALS)
    ] * settings.signin_free_failures_per_account + [
        ("+919000000001", None, SignInOutcome.THROTTLED)
    ]
    assert rows[0].user_agent == app_agent[:255]
    assert rows[2].user_agent is not None and rows[2].user_agent.startswith("python-httpx")
    times = [row.attempted_at for row in rows]
    assert times == sorted(times) and all(t.tzinfo is not None for t in times)


@pytest.fixture
def long_delays(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Delays far longer than a burst takes, however loaded the machine: otherwise the
    first delay (2 s) can end during a slow burst and admit one attempt more."""
    monkeypatch.setattr(settings, "signin_delay_base_seconds", 600.0)


async def _burst(count: int, send: Callable[[int], Awaitable[dict[str, Any]]]) -> list[str | None]:
    return [code(result) for result in await asyncio.gather(*(send(i) for i in range(count)))]


async def test_a_parallel_burst_on_one_account_gets_only_the_free_attempts(
    client: GraphQLClient,
    world: World,
    settings: Settings,
    long_delays: None,
    password_checks: list[str],
) -> None:
    # Each attempt is counted before its password is checked, under a lock per login.
    login = email(world, "state1")
    free = settings.signin_free_failures_per_account
    codes = await _burst(free + 7, lambda _: attempt(client, login, WRONG))
    assert codes.count("INVALID_CREDENTIALS") == free
    assert codes.count("TOO_MANY_ATTEMPTS") == 7
    assert len(password_checks) == free


async def test_a_parallel_burst_from_one_address_gets_only_its_free_attempts(
    client: GraphQLClient,
    world: World,
    settings: Settings,
    long_delays: None,
    password_checks: list[str],
) -> None:
    free = settings.signin_free_failures_per_address
    codes = await _burst(free + 5, lambda i: attempt(client, f"burst{i}@test.gridline", WRONG))
    assert codes.count("INVALID_CREDENTIALS") == free
    assert codes.count("TOO_MANY_ATTEMPTS") == 5
    assert len(password_checks) == free


async def test_parallel_strangers_get_the_window_and_the_owner_signs_in_meanwhile(
    client_at: Callable[[str], Any],
    world: World,
    settings: Settings,
    long_delays: None,
    password_checks: list[str],
) -> None:
    # Many addresses guess one account at once while its owner signs in from home: the
    # per-account lock counts every guess, and the owner is in a different allowance.
    login = email(world, "cluster1")
    limit = settings.signin_stranger_failures_per_window
    async with client_at("203.0.113.20") as home:
        assert code(await attempt(home, login, PASSWORD)) is None
        password_checks.clear()

        async def guess(i: int) -> dict[str, Any]:
            async with client_at(f"198.18.{i // 200}.{i % 200}") as stranger:
                return await attempt(stranger, login, WRONG)

        owner = asyncio.gather(*(attempt(home, login, PASSWORD) for _ in range(3)))
        guesses = _burst(limit + 15, guess)
        owner_results, codes = await asyncio.gather(owner, guesses)
    assert codes.count("INVALID_CREDENTIALS") == limit
    assert codes.count("TOO_MANY_ATTEMPTS") == 15
    assert [code(result) for result in owner_results] == [None, None, None]
    assert password_checks.count(WRONG) == limit
