"""A new customer at enrolment: the scheme sells the appliance with the connection, so
the consumer is connected in the enrolment's own transaction (#19)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.actor import Actor
from models.base import utcnow
from models.consumers import Consumer, ConsumerHistoryEntry, ConsumerHistoryKind, ConsumerStatus
from models.geography import Plant
from models.packages import Package
from models.schemes.codes import generate_code
from resolvers.errors import DomainError, ErrorCode, not_found
from resolvers.validation import clean_name, clean_phone, invalid

FIELD = ("input", "newCustomer")
# A generated account number clashes about once in 31**8 / n: a few tries suffice.
ACCOUNT_NUMBER_ATTEMPTS = 5


def field(name: str) -> list[str]:
    return [*FIELD, name]


@dataclass(frozen=True, slots=True)
class NewCustomer:
    """The customer's details as the enrolment page takes them."""

    name: str
    phone: str
    plant_id: int
    package_id: int


def clean_customer(given: NewCustomer) -> NewCustomer:
    """Name and phone checked and normalised as everywhere (before any transaction)."""
    return NewCustomer(
        name=clean_name(given.name, field("name")),
        phone=clean_phone(given.phone, field("phone")),
        plant_id=given.plant_id,
        package_id=given.package_id,
    )


async def _account_number(session: AsyncSession, plant: Plant) -> str:
    """The plant's code and a fresh random code: unique, short enough to read out."""
    for _ in range(ACCOUNT_NUMBER_ATTEMPTS):
        number = f"{plant.code}-{generate_code()}"
        taken = sa.select(col(Consumer.id)).where(col(Consumer.account_number) == number)
        if (await session.execute(taken.limit(1))).first() is None:
            return number
    raise DomainError(ErrorCode.CONFLICT, "No free account number was found; try again.")


async def connect_customer(
    session: AsyncSession, actor: Actor, customer: NewCustomer, today: date
) -> Consumer:
    """An ACTIVE consumer at a plant in the actor's scope on an active package, connected
    ``today`` (recorded in their history); in the caller's transaction."""
    plant = (
        await session.execute(
            sa.select(Plant).where(
                col(Plant.id) == customer.plant_id, actor.scope.restrict(col(Plant.id))
            )
        )
    ).scalar_one_or_none()
    if plant is None:
        raise not_found("Plant", field("plantId"))
    package = await session.get(Package, customer.package_id)
    if package is None:
        raise not_found("Package", field("packageId"))
    if not package.active:
        raise invalid("Connect consumers on an active package.", field("packageId"))
    now = utcnow()
    consumer = Consumer(
        account_number=await _account_number(session, plant),
        name=customer.name,
        phone=customer.phone,
        plant_id=customer.plant_id,
        package_id=customer.package_id,
        status=ConsumerStatus.ACTIVE,
        connected_at=today,
    )
    session.add(consumer)
    await session.flush()
    assert consumer.id is not None  # noqa: S101 - set by the flush
    session.add(
        ConsumerHistoryEntry(
            consumer_id=consumer.id,
            kind=ConsumerHistoryKind.STATUS,
            to_status=ConsumerStatus.ACTIVE,
            changed_at=now,
            actor_id=actor.user_id,
            note="Connected at scheme enrolment.",
        )
    )
    return consumer
