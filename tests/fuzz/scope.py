"""What a caller may see, read straight from the database (not through the app's own
scope code), and the objects of a response that the caller should not have been shown.

The rules are those of DESIGN.md: consumer data (plants, consumers, package requests,
enrolments, payments) only in the caller's plants, their cluster's or their state's;
package requests not for an OPERATOR, enrolments and payments only for their readers;
purchase requests of the caller's state, for in-charges; notifications only one's own;
geography, the catalogue and the stock ledger for everyone. Staff listed as such
(``users``, ``node``, ``nodes``, ``assignableTechnicians``) must be visible staff;
a person named on a visible object (its requester, assignee, actor) is part of it.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import (
    Cluster,
    Consumer,
    Notification,
    PackageRequest,
    Plant,
    PurchaseRequest,
    Role,
    SchemeEnrollment,
    SchemePayment,
    User,
    UserPlant,
    Warehouse,
)
from tests.fuzz.generation import NODE_TYPES

PUBLIC_TYPES = frozenset(
    {"State", "Cluster", "Package", "Product", "Warehouse", "Scheme", "StockMovement"}
)
REQUEST_READERS = frozenset(Role) - {Role.OPERATOR}
ENROLLMENT_READERS = frozenset({Role.CSA, Role.CLUSTER_INCHARGE, Role.STATE_INCHARGE, Role.ADMIN})
PURCHASE_READERS = frozenset({Role.CLUSTER_INCHARGE, Role.STATE_INCHARGE})
# Paths (without list indexes) at which a User is shown as a member of staff.
LISTED_USER_PATHS = frozenset(
    {("me",), ("node",), ("nodes",), ("users", "edges", "node"), ("users", "nodes")}
)


@dataclass(frozen=True, slots=True)
class Shown:
    """An object with a global id in a response, and where it is."""

    type_name: str
    pk: int
    path: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int
    role: Role
    plant_ids: frozenset[int] | None  # None: every plant
    state_id: int | None  # an in-charge's state, for purchase requests


def decode_global_id(value: str) -> tuple[str, int] | None:
    try:
        type_name, _, node_id = b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if type_name not in NODE_TYPES or not node_id.isdigit():
        return None
    return type_name, int(node_id)


def objects_in(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[Shown]:
    """Every object of ``value`` (a response's ``data``) whose ``id`` is a global id."""
    if isinstance(value, dict):
        own_id = value.get("id")
        decoded = decode_global_id(own_id) if isinstance(own_id, str) else None
        if decoded is not None:
            yield Shown(decoded[0], decoded[1], path)
        for key, item in value.items():
            yield from objects_in(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from objects_in(item, (*path, index))


def listed_as_staff(path: tuple[str | int, ...]) -> bool:
    names = tuple(part for part in path if isinstance(part, str))
    return names in LISTED_USER_PATHS or names[-1:] == ("assignableTechnicians",)


async def load_caller(session: AsyncSession, user_id: int) -> Caller:
    """The caller as the database has them now (an administrator may have moved them)."""
    user = await session.get(User, user_id, populate_existing=True)
    assert user is not None
    plants: sa.Select[Any] | None = None
    state_id: int | None = None
    if user.role in (Role.OPERATOR, Role.TECHNICIAN, Role.CSA):
        plants = sa.select(col(UserPlant.plant_id)).where(col(UserPlant.user_id) == user_id)
    elif user.role is Role.CLUSTER_INCHARGE:
        plants = sa.select(col(Plant.id)).where(col(Plant.cluster_id) == user.cluster_id)
        cluster = await session.get(Cluster, user.cluster_id, populate_existing=True)
        state_id = cluster.state_id if cluster else None
    elif user.role is Role.STATE_INCHARGE:
        plants = (
            sa.select(col(Plant.id))
            .join(Cluster, col(Cluster.id) == col(Plant.cluster_id))
            .where(col(Cluster.state_id) == user.state_id)
        )
        state_id = user.state_id
    plant_ids = None if plants is None else frozenset((await session.execute(plants)).scalars())
    return Caller(user_id=user_id, role=user.role, plant_ids=plant_ids, state_id=state_id)


async def _owners(session: AsyncSession, statement: sa.Select[Any, Any]) -> dict[int, Any]:
    return {row[0]: row[1] for row in (await session.execute(statement)).all()}


async def _visible_user_ids(session: AsyncSession, caller: Caller, ids: set[int]) -> set[int]:
    if caller.plant_ids is None:
        return ids
    plants = sorted(caller.plant_ids)
    clusters = sa.select(col(Plant.cluster_id)).where(col(Plant.id).in_(plants))
    states = sa.select(col(Cluster.state_id)).where(col(Cluster.id).in_(clusters))
    at_plants = sa.select(col(UserPlant.user_id)).where(col(UserPlant.plant_id).in_(plants))
    statement = sa.select(col(User.id)).where(
        col(User.id).in_(sorted(ids)),
        sa.or_(
            col(User.id) == caller.user_id,
            col(User.id).in_(at_plants),
            col(User.cluster_id).in_(clusters),
            col(User.state_id).in_(states),
        ),
    )
    return {user_id for user_id in (await session.execute(statement)).scalars() if user_id}


async def out_of_scope(session: AsyncSession, caller: Caller, shown: list[Shown]) -> list[str]:
    """What ``caller`` was shown and may not see, described for the failure message."""
    by_type: dict[str, list[Shown]] = defaultdict(list)
    for item in shown:
        if item.type_name not in PUBLIC_TYPES:
            by_type[item.type_name].append(item)
    problems: list[str] = []

    def in_scope(plant_id: int | None) -> bool:
        return plant_id is not None and (caller.plant_ids is None or plant_id in caller.plant_ids)

    for type_name, items in by_type.items():
        ids = sorted({item.pk for item in items})
        allowed: set[int]
        if type_name == "User":
            items = [item for item in items if listed_as_staff(item.path)]
            allowed = await _visible_user_ids(session, caller, {item.pk for item in items})
        elif type_name == "Notification":
            owners = await _owners(
                session,
                sa.select(col(Notification.id), col(Notification.user_id)).where(
                    col(Notification.id).in_(ids)
                ),
            )
            allowed = {pk for pk, user_id in owners.items() if user_id == caller.user_id}
        elif type_name == "PurchaseRequest":
            owners = await _owners(
                session,
                sa.select(col(PurchaseRequest.id), col(Warehouse.state_id))
                .join(Warehouse, col(Warehouse.id) == col(PurchaseRequest.warehouse_id))
                .where(col(PurchaseRequest.id).in_(ids)),
            )
            allowed = {
                pk
                for pk, state_id in owners.items()
                if caller.role is Role.ADMIN
                or (caller.role in PURCHASE_READERS and state_id == caller.state_id)
            }
        else:
            readers, statement = _plant_of(type_name, ids)
            owners = await _owners(session, statement)
            allowed = (
                {pk for pk, plant_id in owners.items() if in_scope(plant_id)}
                if caller.role in readers
                else set()
            )
        problems.extend(
            f"{item.type_name} {item.pk} at {'.'.join(map(str, item.path)) or '(root)'}"
            for item in items
            if item.pk not in allowed
        )
    return problems


def _plant_of(type_name: str, ids: list[int]) -> tuple[frozenset[Role], sa.Select[Any, Any]]:
    """Who may read ``type_name`` at all, and the plant of each of ``ids``."""
    if type_name == "Plant":
        return frozenset(Role), sa.select(col(Plant.id), col(Plant.id)).where(
            col(Plant.id).in_(ids)
        )
    if type_name == "Consumer":
        return frozenset(Role), sa.select(col(Consumer.id), col(Consumer.plant_id)).where(
            col(Consumer.id).in_(ids)
        )
    if type_name == "PackageRequest":
        return REQUEST_READERS, sa.select(
            col(PackageRequest.id), col(PackageRequest.plant_id)
        ).where(col(PackageRequest.id).in_(ids))
    if type_name == "SchemeEnrollment":
        return ENROLLMENT_READERS, sa.select(
            col(SchemeEnrollment.id), col(SchemeEnrollment.plant_id)
        ).where(col(SchemeEnrollment.id).in_(ids))
    if type_name == "SchemePayment":
        return ENROLLMENT_READERS, (
            sa.select(col(SchemePayment.id), col(SchemeEnrollment.plant_id))
            .join(SchemeEnrollment, col(SchemeEnrollment.id) == col(SchemePayment.enrollment_id))
            .where(col(SchemePayment.id).in_(ids))
        )
    raise AssertionError(f"no scope rule for {type_name}")
