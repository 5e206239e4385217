"""GraphQL types and root fields of consumers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import strawberry
from strawberry import relay

from models import consumers as models
from resolvers import consumers as resolvers
from schema.context import Info
from schema.geography import Plant
from schema.packages import Package
from schema.permissions import IsAuthenticated, requirement
from schema.relay import Connection, connection_from_page, decode_ids, page_args, resolve_models

ConsumerStatus = strawberry.enum(models.ConsumerStatus, description="Whether power is on.")


@strawberry.type(description="A household or shop connected to a plant.")
class Consumer(relay.Node):
    id: relay.NodeID[int]
    account_number: str
    name: str
    phone: str = strawberry.field(description="E.164, e.g. +919812345678.")
    status: ConsumerStatus  # type: ignore[valid-type]
    connected_at: date = strawberry.field(description="The day the connection was made.")
    plant_id: strawberry.Private[int]
    package_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Consumer) -> Consumer:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            account_number=row.account_number,
            name=row.name,
            phone=row.phone,
            status=row.status,
            connected_at=row.connected_at,
            plant_id=row.plant_id,
            package_id=row.package_id,
        )

    @strawberry.field(description="The plant the consumer is connected to.")
    async def plant(self, info: Info) -> Plant:
        row = await info.context.loaders.plant_by_id.load(self.plant_id)
        if row is None:  # pragma: no cover - a visible consumer's plant is in scope
            raise LookupError("plant of a visible consumer is out of scope")
        return Plant.from_model(row)

    @strawberry.field(description="The consumer's current package.")
    async def package(self, info: Info) -> Package:
        row = await info.context.loaders.package_by_id.load(self.package_id)
        if row is None:  # pragma: no cover - a foreign key guarantees it
            raise LookupError("package missing")
        return Package.from_model(row, info.context.settings.currency)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Consumer | None]:
        rows = await resolve_models(node_ids, info.context.loaders.consumer_by_id.load_many)
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type(description="A page of consumers.")
class ConsumerConnection(Connection[Consumer]):
    pass


@strawberry.input(description="Narrows the consumer list.")
class ConsumerFilter:
    plant_ids: list[strawberry.ID] | None = None
    status: ConsumerStatus | None = None  # type: ignore[valid-type]
    search: str | None = strawberry.field(
        default=None,
        description="Part of the name, the start of the account number, or digits of the phone.",
    )


async def consumer_connection(
    info: Info,
    filter: ConsumerFilter | None,
    first: int | None,
    after: str | None,
    *,
    plant_id: int | None = None,
    last: int | None = None,
    before: str | None = None,
) -> ConsumerConnection:
    given = filter or ConsumerFilter()
    plant_ids = decode_ids(given.plant_ids, "Plant", ["filter", "plantIds"])
    if plant_id is not None:
        plant_ids = [p for p in plant_ids if p == plant_id] if plant_ids is not None else [plant_id]
    consumer_filter = resolvers.ConsumerFilter(
        plant_ids=plant_ids, status=given.status, search=given.search
    )
    page = await resolvers.list_consumers(
        info.context, consumer_filter, page_args(first, after, last, before)
    )
    return connection_from_page(ConsumerConnection, page, Consumer.from_model)


@strawberry.type
class ConsumersQuery:
    @strawberry.field(
        description=requirement("Consumers in your scope, in name order."),
        permission_classes=[IsAuthenticated],
    )
    async def consumers(
        self,
        info: Info,
        filter: ConsumerFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ConsumerConnection:
        return await consumer_connection(info, filter, first, after, last=last, before=before)
