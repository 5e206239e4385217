"""GraphQL types and root fields of packages (tariffs)."""

from __future__ import annotations

from collections.abc import Iterable

import strawberry
from strawberry import relay

from models import packages as models
from resolvers import packages as resolvers
from schema.context import Info
from schema.money import Money
from schema.permissions import IsAuthenticated, requirement
from schema.relay import resolve_models


@strawberry.type(description="A tariff: the load a consumer may draw and its monthly fee.")
class Package(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    load_watts: int = strawberry.field(description="Allowed load in watts.")
    monthly_fee: Money
    active: bool = strawberry.field(description="Inactive packages cannot be requested.")

    @classmethod
    def from_model(cls, row: models.Package, currency: str) -> Package:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            load_watts=row.load_watts,
            monthly_fee=Money.from_minor(row.monthly_fee_minor, currency),
            active=row.active,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Package | None]:
        rows = await resolve_models(node_ids, info.context.loaders.package_by_id.load_many)
        currency = info.context.settings.currency
        return [cls.from_model(row, currency) if row else None for row in rows]


@strawberry.type
class PackagesQuery:
    @strawberry.field(
        description=requirement("Packages in order of load; by default only active ones."),
        permission_classes=[IsAuthenticated],
    )
    async def packages(self, info: Info, active_only: bool = True) -> list[Package]:
        rows = await resolvers.list_packages(info.context, active_only=active_only)
        return [Package.from_model(row, info.context.settings.currency) for row in rows]
