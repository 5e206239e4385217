"""Root lists and single objects: the catalogue, the geography, the signed-in user, the
staff list, consumers, plants and notifications (each mirrors its resolver)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, FromClause

from models.expressions import IntegerArray
from models.geography import Cluster, Plant
from models.inventory import Warehouse
from models.schemes.tables import SchemeState
from models.staff import UserPlant
from resolvers.errors import DomainError
from resolvers.search import contains_pattern, normalise_search, prefix_pattern
from schema.execution.compiled.roots import (
    ConnectionRoot,
    ListRoot,
    Shape,
    SortKey,
    no_arguments,
    no_conditions,
)
from schema.execution.compiled.sources import Build, Call, Fallback, literals
from schema.relay import decode_id, decode_ids

PLANTS = Plant.__table__  # type: ignore[attr-defined]
CLUSTERS = Cluster.__table__  # type: ignore[attr-defined]
USER_PLANTS = UserPlant.__table__  # type: ignore[attr-defined]
WAREHOUSES = Warehouse.__table__  # type: ignore[attr-defined]
SCHEME_STATES = SchemeState.__table__  # type: ignore[attr-defined]
BY_NAME = (SortKey("name", False), SortKey("id", False))


def decoded(call: Call, argument: Any, type_name: str, field: list[str]) -> int | None:
    if argument is None:
        return None
    try:
        return decode_id(argument, type_name, field)
    except DomainError as error:
        raise Fallback("id refused") from error


def like(build: Build, column: Any, name: str) -> ColumnElement[bool]:
    """``resolvers.search.contains_text`` with its pattern bound (``call.values[name]``)."""
    return sa.func.lower(column).like(build.value(name, sa.String(), name), escape="\\")


# --- states, packages, warehouses, schemes: the catalogue -----------------------------

STATES = ListRoot("State", no_arguments, no_conditions, order=(("name", False), ("id", False)))


def _packages_prepare(call: Call) -> Shape:
    return bool(call.arguments.get("activeOnly"))


def _packages_conditions(_build: Build, rows: FromClause, shape: Shape) -> list[Any]:
    return [rows.c.active.is_(True)] if shape else []


PACKAGES = ListRoot(
    "Package",
    _packages_prepare,
    _packages_conditions,
    order=(("load_watts", False), ("id", False)),
)


def _state_prepare(call: Call) -> Shape:
    state = decoded(call, call.arguments.get("stateId"), "State", ["stateId"])
    call.values["state_id"] = state
    return state is not None


def _warehouses_conditions(build: Build, rows: FromClause, shape: Shape) -> list[Any]:
    if not shape:
        return []
    return [rows.c.state_id == build.value("state_id", sa.Integer(), "state")]


WAREHOUSES_LIST = ListRoot(
    "Warehouse", _state_prepare, _warehouses_conditions, order=(("name", False), ("id", False))
)


@dataclass(frozen=True, slots=True)
class SchemesShape:
    scheme_type: str | None
    state: bool
    active_on: bool


def _schemes_prepare(call: Call) -> Shape:
    """``schema.schemes.catalogue._scheme_filter``."""
    given = call.arguments.get("filter") or {}
    state = decoded(call, given.get("stateId"), "State", ["filter", "stateId"])
    call.values["state_id"] = state
    call.values["active_on"] = given.get("activeOn")
    scheme_type = given.get("type")
    return SchemesShape(
        scheme_type=str(getattr(scheme_type, "value", scheme_type)) if scheme_type else None,
        state=state is not None,
        active_on=given.get("activeOn") is not None,
    )


def _schemes_conditions(build: Build, rows: FromClause, shape: Shape) -> list[Any]:
    """``resolvers.schemes.reading.list_schemes``."""
    assert isinstance(shape, SchemesShape)  # noqa: S101
    found: list[Any] = []
    if shape.scheme_type is not None:
        found.append(rows.c.scheme_type.in_(literals((shape.scheme_type,))))
    if shape.state:
        state = build.value("state_id", sa.Integer(), "state")
        offered = sa.select(SCHEME_STATES.c.scheme_id).where(SCHEME_STATES.c.state_id == state)
        found.append(rows.c.id.in_(offered))
    if shape.active_on:
        on = build.value("active_on", sa.Date(), "on")
        found.extend(
            [
                rows.c.active.is_(True),
                rows.c.valid_from <= on,
                sa.or_(rows.c.valid_to.is_(None), rows.c.valid_to >= on),
            ]
        )
    return found


SCHEMES = ListRoot(
    "Scheme", _schemes_prepare, _schemes_conditions, order=(("name", False), ("id", False))
)


# --- the signed-in user ------------------------------------------------------------


def _me(build: Build, rows: FromClause, _shape: Shape) -> list[Any]:
    return [rows.c.id == build.actor_id()]


ME = ListRoot("User", no_arguments, _me, single=True)


# --- plants, consumers and staff: connections in scope -----------------------------


@dataclass(frozen=True, slots=True)
class PlantsShape:
    everything: bool
    clusters: bool
    state: bool
    search: bool


def _plants_prepare(call: Call) -> Shape:
    """``schema.geography``'s plant filter, as ``resolvers.geography.list_plants`` reads it."""
    given = call.arguments.get("filter") or {}
    try:
        clusters = decode_ids(given.get("clusterIds"), "Cluster", ["filter", "clusterIds"])
    except DomainError as error:
        raise Fallback("cluster refused") from error
    state = decoded(call, given.get("stateId"), "State", ["filter", "stateId"])
    search = given.get("search")
    values = call.values
    values["clusters"], values["state_id"] = clusters, state
    values["plants"] = sorted(call.actor.scope.plant_ids)
    if search:
        values["search"] = contains_pattern(search)
    return PlantsShape(
        call.actor.scope.everything, clusters is not None, state is not None, bool(search)
    )


def _plants_conditions(build: Build, rows: FromClause, shape: Shape) -> list[Any]:
    assert isinstance(shape, PlantsShape)  # noqa: S101
    found: list[Any] = [build.scope(rows.c.id)]
    if shape.clusters:
        clusters = build.value("clusters", IntegerArray(), "clusters")
        found.append(build.one_of(rows.c.cluster_id, clusters))
    if shape.state:
        state = build.value("state_id", sa.Integer(), "state")
        found.append(
            rows.c.cluster_id.in_(sa.select(CLUSTERS.c.id).where(CLUSTERS.c.state_id == state))
        )
    if shape.search:
        found.append(sa.or_(like(build, rows.c.name, "search"), like(build, rows.c.code, "search")))
    return found


PLANTS_ROOT = ConnectionRoot("Plant", _plants_prepare, _plants_conditions, lambda _shape: BY_NAME)


@dataclass(frozen=True, slots=True)
class ConsumersShape:
    everything: bool
    status: str | None
    search: bool
    phone: bool


def _consumers_prepare(call: Call) -> Shape:
    """``resolvers.consumers.consumers_statement``'s filter."""
    given = call.arguments.get("filter") or {}
    try:
        plant_ids = decode_ids(given.get("plantIds"), "Plant", ["filter", "plantIds"])
    except DomainError as error:
        raise Fallback("plant refused") from error
    scope = call.actor.scope.narrow(plant_ids)
    values = call.values
    values["plants"] = sorted(scope.plant_ids)
    search = given.get("search")
    searching = isinstance(search, str) and bool(search.strip())
    digits = ""
    if isinstance(search, str) and searching:
        text = normalise_search(search)
        values["name"] = contains_pattern(text)
        values["account"] = prefix_pattern(text.upper())
        digits = "".join(ch for ch in text if ch.isdigit())
        values["digits"] = digits
    status = given.get("status")
    return ConsumersShape(
        everything=scope.everything,
        status=str(getattr(status, "value", status)) if status is not None else None,
        search=searching,
        phone=len(digits) >= 3,
    )


def _consumers_conditions(build: Build, rows: FromClause, shape: Shape) -> list[Any]:
    assert isinstance(shape, ConsumersShape)  # noqa: S101
    found: list[Any] = []
    if not shape.everything:
        plants = build.value("plants", IntegerArray(), "plants")
        found.append(build.one_of(rows.c.plant_id, plants))
    if shape.status is not None:
        found.append(rows.c.status.in_(literals((shape.status,))))
    if shape.search:
        clauses = [
            like(build, rows.c.name, "name"),
            rows.c.account_number.like(build.value("account", sa.String(), "account"), escape="\\"),
        ]
        if shape.phone:
            clauses.append(rows.c.phone.contains(build.value("digits", sa.String(), "digits")))
        found.append(sa.or_(*clauses))
    return found


CONSUMERS = ConnectionRoot(
    "Consumer", _consumers_prepare, _consumers_conditions, lambda _shape: BY_NAME
)


@dataclass(frozen=True, slots=True)
class UsersShape:
    everything: bool
    roles: tuple[str, ...]
    active: bool | None
    plants: bool
    search: bool


def _users_prepare(call: Call) -> Shape:
    """``schema.staff``'s user filter, as ``resolvers.staff.list_users`` reads it."""
    given = call.arguments.get("filter") or {}
    try:
        plant_ids = decode_ids(given.get("plantIds"), "Plant", ["filter", "plantIds"])
    except DomainError as error:
        raise Fallback("plant refused") from error
    values = call.values
    values["filter_plants"] = plant_ids
    values["scope_plants"] = sorted(call.actor.scope.plant_ids)
    search = given.get("search")
    searching = isinstance(search, str) and bool(search.strip())
    if isinstance(search, str) and searching:
        values["search"] = contains_pattern(search)
    roles = given.get("roles")
    return UsersShape(
        everything=call.actor.scope.everything,
        roles=tuple(sorted({str(getattr(r, "value", r)) for r in roles})) if roles else (),
        active=given.get("active"),
        plants=plant_ids is not None,
        search=searching,
    )


def _users_conditions(build: Build, users: FromClause, shape: Shape) -> list[Any]:
    """``resolvers.staff.list_users``: ``auth.scope.visible_users_clause``, the filter."""
    assert isinstance(shape, UsersShape)  # noqa: S101
    found: list[Any] = []
    if not shape.everything:
        scope = build.value("scope_plants", IntegerArray(), "scope")
        at_plants = sa.select(USER_PLANTS.c.user_id).where(
            build.one_of(USER_PLANTS.c.plant_id, scope)
        )
        of_clusters = sa.select(PLANTS.c.cluster_id).where(build.one_of(PLANTS.c.id, scope))
        of_states = (
            sa.select(CLUSTERS.c.state_id)
            .select_from(CLUSTERS.join(PLANTS, PLANTS.c.cluster_id == CLUSTERS.c.id))
            .where(build.one_of(PLANTS.c.id, scope))
        )
        found.append(
            sa.or_(
                users.c.id == build.actor_id(),
                users.c.id.in_(at_plants),
                users.c.cluster_id.in_(of_clusters),
                users.c.state_id.in_(of_states),
            )
        )
    if shape.roles:
        found.append(users.c.role.in_(literals(shape.roles)))
    if shape.active is not None:
        found.append(users.c.active.is_(shape.active))
    if shape.plants:
        links = USER_PLANTS.alias()
        plants = build.value("filter_plants", IntegerArray(), "plants")
        found.append(
            users.c.id.in_(sa.select(links.c.user_id).where(build.one_of(links.c.plant_id, plants)))
        )
    if shape.search:
        found.append(
            sa.or_(
                like(build, users.c.name, "search"),
                like(build, users.c.email, "search"),
                like(build, users.c.phone, "search"),
            )
        )
    return found


USERS = ConnectionRoot("User", _users_prepare, _users_conditions, lambda _shape: BY_NAME)


# --- notifications: the signed-in user's own ----------------------------------------


def _notifications_prepare(call: Call) -> Shape:
    return bool(call.arguments.get("unreadOnly"))


def _notifications_conditions(build: Build, rows: FromClause, shape: Shape) -> list[Any]:
    found = [rows.c.user_id == build.actor_id()]
    if shape:
        found.append(rows.c.read_at.is_(None))
    return found


NOTIFICATIONS = ConnectionRoot(
    "Notification",
    _notifications_prepare,
    _notifications_conditions,
    lambda _shape: (SortKey("id", True),),
)
