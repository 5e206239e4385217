# ruff: noqa: S608 - the SQL is built from fixed fragments; values are always parameters
"""Who is calling: the JWT checked as auth/tokens.py does, the user and their plants."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jwt

from bench.floor.database import Database

ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: int
    role: str
    plant_ids: list[int] | None  # None: every plant (ADMIN)

    def where(self, db: Database, column: str, index: int) -> str:
        """SQL keeping rows of ``column``'s plants in scope; parameter ``index`` if any."""
        return "TRUE" if self.plant_ids is None else db.member(column, index)

    def params(self, db: Database) -> list[Any]:
        return [] if self.plant_ids is None else [db.ids(self.plant_ids)]

    def narrow(self, plant_ids: list[int]) -> Caller:
        """The caller's scope intersected with a filter's plants (auth/scope.py's narrow)."""
        wanted = set(plant_ids)
        kept = wanted if self.plant_ids is None else wanted & set(self.plant_ids)
        return Caller(self.user_id, self.role, sorted(kept))


def _actor_sql(db: Database) -> str:
    listed = "ARRAY({})" if db.postgres else "(SELECT json_group_array(x) FROM ({}))"
    in_state = (
        "SELECT p.id AS x FROM plants p JOIN clusters c ON c.id = p.cluster_id "
        "WHERE c.state_id = u.state_id"
    )
    in_cluster = "SELECT id AS x FROM plants WHERE cluster_id = u.cluster_id"
    at_plants = "SELECT plant_id AS x FROM user_plants WHERE user_id = u.id"
    return (
        "SELECT u.role, CASE u.role WHEN 'ADMIN' THEN NULL "
        f"WHEN 'STATE_INCHARGE' THEN {listed.format(in_state)} "
        f"WHEN 'CLUSTER_INCHARGE' THEN {listed.format(in_cluster)} "
        f"ELSE {listed.format(at_plants)} END "
        f"FROM users u WHERE u.id = {db.param(1)} AND u.active"
    )


class Unauthenticated(Exception):
    pass


async def caller_of(db: Database, authorization: str | None, secret_key: str) -> Caller:
    """The JWT checked as auth/tokens.py does, then the active user and their plants."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated
    try:
        claims = jwt.decode(
            token.strip(),
            secret_key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat", "typ"]},
        )
    except jwt.PyJWTError as error:
        raise Unauthenticated from error
    if claims.get("typ") != "access":
        raise Unauthenticated
    found = await db.rows(_actor_sql(db), int(claims["sub"]))
    if not found:
        raise Unauthenticated
    role, plants = found[0]
    if isinstance(plants, str):
        plants = json.loads(plants)
    return Caller(int(claims["sub"]), role, None if role == "ADMIN" else sorted(plants))
