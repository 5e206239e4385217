"""GraphQL types and fields of the scheme catalogue: the offers, their figures, and their
administration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay

from models.schemes import tables as models
from models.staff import Role
from resolvers.admin import Unchanged
from resolvers.inventory.catalogue import products_by_id
from resolvers.schemes import catalogue, reading
from schema.admin import (
    CODE_DESCRIPTION,
    ERRORS_DESCRIPTION,
    NAME_DESCRIPTION,
    admin_only,
    id_change,
    optional_change,
    required_change,
)
from schema.context import Info
from schema.dates import DateRange
from schema.enums import InstallmentFrequency, SchemeType
from schema.errors import UserError
from schema.geography import State
from schema.inventory.catalogue import Product
from schema.money import Money
from schema.mutation import payload_mutation
from schema.permissions import IsAuthenticated, requirement, roles_permission
from schema.relay import ModelNode, decode_id, decode_ids

READER_ROLES = sorted(reading.READERS)
SchemeReader = roles_permission(*READER_ROLES)


def money(info: Info, minor: int) -> Money:
    return Money.from_minor(minor, info.context.settings.currency)


@strawberry.type(description="An appliance sold with the connection: down payment + instalments.")
class Scheme(ModelNode[models.Scheme]):
    id: relay.NodeID[int]
    code: str
    name: str
    type: SchemeType
    installment_count: int
    frequency: InstallmentFrequency
    valid_from: date
    valid_to: date | None = strawberry.field(
        description="The last day it may be enrolled in (included); null: open-ended."
    )
    active: bool
    product_id: strawberry.Private[int]
    total_price_minor: strawberry.Private[int]
    down_payment_minor: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.Scheme) -> Scheme:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            type=row.scheme_type,
            installment_count=row.installment_count,
            frequency=row.frequency,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            active=row.active,
            product_id=row.product_id,
            total_price_minor=row.total_price_minor,
            down_payment_minor=row.down_payment_minor,
        )

    @strawberry.field(description="The whole price, down payment included.")
    def total_price(self, info: Info) -> Money:
        return money(info, self.total_price_minor)

    @strawberry.field
    def down_payment(self, info: Info) -> Money:
        return money(info, self.down_payment_minor)

    @strawberry.field(description="The appliance.")
    async def product(self, info: Info) -> Product | None:
        (row,) = await products_by_id(info.context, [self.product_id])
        return Product.from_model(row, info.context.settings.currency) if row else None

    @strawberry.field(description="The states where it is offered.")
    async def states(self, info: Info) -> list[State]:
        state_ids = await reading.states_of_scheme(info.context, self.id)
        rows = await info.context.loaders.state_by_id.load_many(state_ids)
        return [State.from_model(row) for row in rows if row is not None]

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.Scheme | None]:
        return await reading.schemes_by_id(info.context, ids)


@strawberry.input(description="Narrows the scheme catalogue.")
class SchemeFilter:
    type: SchemeType | None = None
    state_id: strawberry.ID | None = None
    active_on: date | None = strawberry.field(
        default=None, description="Only schemes active and valid on this day."
    )


@strawberry.type(description="One scheme's figures for a range of days, in your scope.")
class SchemeStat:
    scheme: Scheme
    enrollments: int = strawberry.field(
        description="Live enrolments made in the range (not counting those since cancelled)."
    )
    cancelled: int = strawberry.field(
        description="Enrolments made in the range and since cancelled (their units went back)."
    )
    units: int = strawberry.field(
        description="Units handed over to the live enrolments of the range (one each)."
    )
    collected_minor: strawberry.Private[int]
    outstanding_minor: strawberry.Private[int]

    @strawberry.field(description="Payments received in the range.")
    def collected(self, info: Info) -> Money:
        return money(info, self.collected_minor)

    @strawberry.field(
        description="What the live enrolments of the range still owe (a cancelled one owes "
        "nothing)."
    )
    def outstanding(self, info: Info) -> Money:
        return money(info, self.outstanding_minor)


def _scheme_filter(given: SchemeFilter | None) -> reading.SchemeFilter:
    given = given or SchemeFilter()
    return reading.SchemeFilter(
        scheme_type=given.type,
        state_id=decode_id(given.state_id, "State", ["filter", "stateId"])
        if given.state_id is not None
        else None,
        active_on=given.active_on,
    )


@strawberry.type
class SchemesQuery:
    @strawberry.field(
        description=requirement("The scheme catalogue, in name order."),
        permission_classes=[IsAuthenticated],
    )
    async def schemes(self, info: Info, filter: SchemeFilter | None = None) -> list[Scheme]:
        rows = await reading.list_schemes(info.context, _scheme_filter(filter))
        return [Scheme.from_model(row) for row in rows]

    @strawberry.field(
        description=requirement(
            "Per scheme, for a range of days in your scope (optionally one state).",
            *READER_ROLES,
        ),
        permission_classes=[IsAuthenticated, SchemeReader],
    )
    async def scheme_stats(
        self, info: Info, range: DateRange, state_id: strawberry.ID | None = None
    ) -> list[SchemeStat]:
        days = range.to_days(["range"])
        state = decode_id(state_id, "State", ["stateId"]) if state_id is not None else None
        stats = await reading.scheme_stats(info.context, days, state)
        return [
            SchemeStat(
                scheme=Scheme.from_model(s.scheme),
                enrollments=s.enrollments,
                cancelled=s.cancelled,
                units=s.units,
                collected_minor=s.collected_minor,
                outstanding_minor=s.outstanding_minor,
            )
            for s in stats
        ]


# Administration (ADMIN): the scheme catalogue.


@strawberry.input(description="A new scheme for the catalogue.")
class CreateSchemeInput:
    code: str = strawberry.field(description=CODE_DESCRIPTION)
    name: str = strawberry.field(description=NAME_DESCRIPTION)
    type: SchemeType
    product_id: strawberry.ID
    total_price: Decimal
    down_payment: Decimal = strawberry.field(description="At most the total price.")
    installment_count: int
    frequency: InstallmentFrequency
    valid_from: date
    state_ids: list[strawberry.ID] = strawberry.field(
        description="The states where it is offered: at least one."
    )
    valid_to: date | None = None
    active: bool = True


@strawberry.input(description="Fields left out keep their value.")
class UpdateSchemeInput:
    id: strawberry.ID
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    type: SchemeType | None = strawberry.UNSET
    product_id: strawberry.ID | None = strawberry.UNSET
    total_price: Decimal | None = strawberry.UNSET
    down_payment: Decimal | None = strawberry.UNSET
    installment_count: int | None = strawberry.UNSET
    frequency: InstallmentFrequency | None = strawberry.UNSET
    valid_from: date | None = strawberry.UNSET
    valid_to: date | None = strawberry.field(
        default=strawberry.UNSET,
        description="The last day it may be enrolled in; null: open-ended. Left out: unchanged.",
    )
    state_ids: list[strawberry.ID] | None = strawberry.UNSET
    active: bool | None = strawberry.UNSET


@strawberry.type(description="The scheme after the change, or why nothing was saved.")
class SchemePayload:
    scheme: Scheme | None = None
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


def _state_ids(values: list[strawberry.ID]) -> list[int]:
    return decode_ids(values, "State", ["input", "stateIds"]) or []


@strawberry.type
class SchemesAdminMutation:
    @strawberry.mutation(
        description=requirement("Add a scheme to the catalogue.", Role.ADMIN),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(catalogue.MANAGE_SCHEMES))
    async def create_scheme(self, info: Info, input: CreateSchemeInput) -> SchemePayload:
        terms = catalogue.SchemeTerms(
            code=input.code,
            name=input.name,
            scheme_type=input.type,
            product_id=decode_id(input.product_id, "Product", ["input", "productId"]),
            total_price=input.total_price,
            down_payment=input.down_payment,
            installment_count=input.installment_count,
            frequency=input.frequency,
            valid_from=input.valid_from,
            valid_to=input.valid_to,
            state_ids=_state_ids(input.state_ids),
            active=input.active,
        )
        return SchemePayload(
            scheme=Scheme.from_model(await catalogue.create_scheme(info.context, terms))
        )

    @strawberry.mutation(
        description=requirement(
            "Change a scheme; enrolments keep the terms they were made on.", Role.ADMIN
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(catalogue.MANAGE_SCHEMES))
    async def update_scheme(self, info: Info, input: UpdateSchemeInput) -> SchemePayload:
        states = required_change(input.state_ids, "stateIds")
        changes = catalogue.SchemeChanges(
            code=required_change(input.code, "code"),
            name=required_change(input.name, "name"),
            scheme_type=required_change(input.type, "type"),
            product_id=id_change(input.product_id, "Product", "productId"),
            total_price=required_change(input.total_price, "totalPrice"),
            down_payment=required_change(input.down_payment, "downPayment"),
            installment_count=required_change(input.installment_count, "installmentCount"),
            frequency=required_change(input.frequency, "frequency"),
            valid_from=required_change(input.valid_from, "validFrom"),
            valid_to=optional_change(input.valid_to),
            state_ids=states if isinstance(states, Unchanged) else _state_ids(states),
            active=required_change(input.active, "active"),
        )
        scheme_id = decode_id(input.id, "Scheme", ["input", "id"])
        row = await catalogue.update_scheme(info.context, scheme_id, changes)
        return SchemePayload(scheme=Scheme.from_model(row))
