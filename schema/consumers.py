"""GraphQL types, root fields and administration mutations of consumers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from models import consumers as models
from models.staff import Role
from resolvers import consumers as resolvers
from resolvers.validation import input_field
from schema.admin import (
    ERRORS_DESCRIPTION,
    NAME_DESCRIPTION,
    PHONE_DESCRIPTION,
    admin_only,
    id_change,
    required_change,
)
from schema.context import Info
from schema.enums import ConsumerStatus
from schema.errors import UserError
from schema.geography import Plant
from schema.mutation import payload_mutation
from schema.packages.catalogue import Package
from schema.permissions import IsAuthenticated, requirement
from schema.relay import (
    Connection,
    ModelNode,
    connection_from_page,
    decode_id,
    decode_ids,
    empty_page,
    page_args,
)

if TYPE_CHECKING:
    from schema.packages.requests import PackageRequest
    from schema.schemes.enrollments import SchemeEnrollment


@strawberry.type(description="A household or shop connected to a plant.")
class Consumer(ModelNode[models.Consumer]):
    id: relay.NodeID[int]
    account_number: str
    name: str
    phone: str = strawberry.field(description="E.164, e.g. +919812345678.")
    status: ConsumerStatus
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

    @strawberry.field(
        description="The consumer's package requests, newest first (empty for roles that "
        "may not read requests)."
    )
    async def package_requests(
        self, info: Info
    ) -> list[Annotated[PackageRequest, strawberry.lazy("schema.packages.requests")]]:
        from resolvers.packages.requests import requests_of_consumer
        from schema.packages.requests import PackageRequest

        rows = await requests_of_consumer(info.context, self.id)
        return [PackageRequest.from_model(row) for row in rows]

    @strawberry.field(
        description="The consumer's scheme enrolments, newest first (empty for roles that "
        "may not read them)."
    )
    async def scheme_enrollments(
        self, info: Info
    ) -> list[Annotated[SchemeEnrollment, strawberry.lazy("schema.schemes.enrollments")]]:
        from resolvers.schemes.reading import enrollments_of_consumer
        from schema.schemes.enrollments import SchemeEnrollment

        rows = await enrollments_of_consumer(info.context, self.id)
        return [SchemeEnrollment.from_model(row) for row in rows]

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.Consumer | None]:
        return await info.context.loaders.consumer_by_id.load_many(ids)


@strawberry.type(description="A page of consumers.")
class ConsumerConnection(Connection[Consumer]):
    pass


@strawberry.input(description="Narrows the consumer list.")
class ConsumerFilter:
    plant_ids: list[strawberry.ID] | None = None
    status: ConsumerStatus | None = None
    search: str | None = strawberry.field(
        default=None,
        description="Part of the name, the start of the account number, or digits of the phone.",
    )


def _consumer_filter(
    given: ConsumerFilter | None, *, plant_ids: list[int] | None = None
) -> resolvers.ConsumerFilter:
    given = given or ConsumerFilter()
    return resolvers.ConsumerFilter(
        plant_ids=plant_ids
        if plant_ids is not None
        else decode_ids(given.plant_ids, "Plant", ["filter", "plantIds"]),
        status=given.status,
        search=given.search,
    )


async def plant_consumer_connection(
    info: Info, plant_id: int, filter: ConsumerFilter | None, first: int | None, after: str | None
) -> ConsumerConnection:
    """``Plant.consumers``: batched across the plants of a list (no query per plant)."""
    narrowed = _consumer_filter(filter)
    if narrowed.plant_ids is not None and plant_id not in narrowed.plant_ids:
        return connection_from_page(ConsumerConnection, empty_page(), Consumer.from_model)
    page = await resolvers.plant_consumers_page(
        info.context,
        resolvers.PlantConsumersKey(
            plant_id=plant_id,
            status=narrowed.status,
            search=narrowed.search,
            page=page_args(first, after),
        ),
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
        page = await resolvers.list_consumers(
            info.context, _consumer_filter(filter), page_args(first, after, last, before)
        )
        return connection_from_page(ConsumerConnection, page, Consumer.from_model)


# Administration (ADMIN): connect consumers and correct their details. Status and package
# change only through package requests, which keep the history.

ACCOUNT_NUMBER_DESCRIPTION = "1 to 32 letters, digits or '-'; stored in upper case; unique."


@strawberry.input(description="A new connection: the consumer starts ACTIVE.")
class CreateConsumerInput:
    plant_id: strawberry.ID = strawberry.field(description="The plant it is connected to.")
    package_id: strawberry.ID = strawberry.field(description="An active package.")
    account_number: str = strawberry.field(description=ACCOUNT_NUMBER_DESCRIPTION)
    name: str = strawberry.field(description=NAME_DESCRIPTION)
    phone: str = strawberry.field(description=PHONE_DESCRIPTION)
    connected_at: date | None = strawberry.field(
        default=None,
        description="The day the connection was made (not in the future); default today.",
    )


@strawberry.input(
    description="Corrections to a consumer. Fields left out keep their value. Status and "
    "package change only through package requests."
)
class UpdateConsumerInput:
    id: strawberry.ID = strawberry.field(description="The consumer to change.")
    name: str | None = strawberry.field(default=strawberry.UNSET, description=NAME_DESCRIPTION)
    phone: str | None = strawberry.field(default=strawberry.UNSET, description=PHONE_DESCRIPTION)
    account_number: str | None = strawberry.field(
        default=strawberry.UNSET, description=ACCOUNT_NUMBER_DESCRIPTION
    )
    plant_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="Move the consumer to this plant (refused while a request is open).",
    )


@strawberry.type(description="The result of createConsumer or updateConsumer.")
class ConsumerPayload:
    consumer: Consumer | None = strawberry.field(default=None, description="The consumer as saved.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type
class ConsumersMutation:
    @strawberry.mutation(
        description=requirement(
            "Connect a consumer to a plant on an active package; recorded in its history.",
            Role.ADMIN,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_CONSUMERS))
    async def create_consumer(self, info: Info, input: CreateConsumerInput) -> ConsumerPayload:
        new = resolvers.NewConsumer(
            plant_id=decode_id(input.plant_id, "Plant", input_field("plantId")),
            package_id=decode_id(input.package_id, "Package", input_field("packageId")),
            account_number=input.account_number,
            name=input.name,
            phone=input.phone,
            connected_at=input.connected_at,
        )
        row = await resolvers.create_consumer(info.context, new)
        return ConsumerPayload(consumer=Consumer.from_model(row))

    @strawberry.mutation(
        description=requirement(
            "Correct a consumer's name, phone or account number, or move them to another plant.",
            Role.ADMIN,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_CONSUMERS))
    async def update_consumer(self, info: Info, input: UpdateConsumerInput) -> ConsumerPayload:
        consumer_id = decode_id(input.id, "Consumer", input_field("id"))
        changes = resolvers.ConsumerChanges(
            name=required_change(input.name, "name"),
            phone=required_change(input.phone, "phone"),
            account_number=required_change(input.account_number, "accountNumber"),
            plant_id=id_change(input.plant_id, "Plant", "plantId"),
        )
        row = await resolvers.update_consumer(info.context, consumer_id, changes)
        return ConsumerPayload(consumer=Consumer.from_model(row))
