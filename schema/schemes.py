"""GraphQL types, root fields and mutations of appliance schemes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay

from models import schemes as models
from models.scheme_codes import format_for_reading
from models.users import Role
from resolvers.admin import Unchanged
from resolvers.dates import today
from resolvers.inventory import products_by_id, warehouses_by_id
from resolvers.schemes import catalogue, payments, reading
from resolvers.schemes import enrollment as writes
from resolvers.schemes.repayment import RepaymentState, repayment_state
from resolvers.schemes.repayment import RepaymentStatus as RepaymentStatusEnum
from schema.admin import (
    CODE_DESCRIPTION,
    ERRORS_DESCRIPTION,
    NAME_DESCRIPTION,
    admin_payload,
    id_change,
    optional_change,
    required_change,
)
from schema.consumers import Consumer, ConsumerStatus
from schema.context import Info
from schema.dates import DateRange
from schema.errors import UserError, mutation_payload
from schema.geography import State
from schema.inventory import Product, Warehouse
from schema.money import Money
from schema.permissions import IsAuthenticated, requirement, roles_permission
from schema.relay import (
    Connection,
    connection_from_page,
    decode_id,
    decode_ids,
    page_args,
    resolve_models,
)
from schema.users import User

SchemeType = strawberry.enum(models.SchemeType, description="The kind of offer.")
InstallmentFrequency = strawberry.enum(models.InstallmentFrequency)
PaymentKind = strawberry.enum(models.PaymentKind)
RepaymentStatus = strawberry.enum(
    RepaymentStatusEnum,
    description="ON_TRACK; BEHIND (an instalment due and unpaid); DEFAULTED (behind for over "
    "90 days); PAID_OFF; CANCELLED.",
)
SchemeEnrollmentOrder = strawberry.enum(reading.EnrollmentOrder, name="SchemeEnrollmentOrder")

READER_ROLES = sorted(reading.READERS)
ENROLLER_ROLES = sorted(writes.ENROLLERS)
CANCELLER_ROLES = sorted(writes.CANCELLERS)
SchemeReader = roles_permission(*READER_ROLES)


def _money(info: Info, minor: int) -> Money:
    return Money.from_minor(minor, info.context.settings.currency)


@strawberry.type(description="An appliance sold with the connection: down payment + instalments.")
class Scheme(relay.Node):
    id: relay.NodeID[int]
    code: str
    name: str
    type: SchemeType  # type: ignore[valid-type]
    installment_count: int
    frequency: InstallmentFrequency  # type: ignore[valid-type]
    valid_from: date
    valid_to: date | None = strawberry.field(description="Open-ended when null.")
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
        return _money(info, self.total_price_minor)

    @strawberry.field
    def down_payment(self, info: Info) -> Money:
        return _money(info, self.down_payment_minor)

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
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Scheme | None]:
        async def load(ids: list[int]) -> list[models.Scheme | None]:
            return await reading.schemes_by_id(info.context, ids)

        rows = await resolve_models(node_ids, load)
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type(description="One instalment of an enrolment's fixed schedule.")
class SchemeInstallment:
    sequence: int
    due_date: date
    amount_minor: strawberry.Private[int]
    cumulative_due_minor: strawberry.Private[int]
    paid_minor: strawberry.Private[int]

    @strawberry.field
    def amount(self, info: Info) -> Money:
        return _money(info, self.amount_minor)

    @strawberry.field(description="Covered by the payments so far (allocated earliest first).")
    def covered(self) -> bool:
        return self.paid_minor >= self.cumulative_due_minor


@strawberry.type(description="Money received against an enrolment.")
class SchemePayment(relay.Node):
    id: relay.NodeID[int]
    kind: PaymentKind  # type: ignore[valid-type]
    paid_at: datetime
    reference: str
    amount_minor: strawberry.Private[int]
    recorded_by_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.SchemePayment) -> SchemePayment:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            kind=row.kind,
            paid_at=row.paid_at,
            reference=row.reference,
            amount_minor=row.amount_minor,
            recorded_by_id=row.recorded_by_id,
        )

    @strawberry.field
    def amount(self, info: Info) -> Money:
        return _money(info, self.amount_minor)

    @strawberry.field
    async def recorded_by(self, info: Info) -> User | None:
        row = await info.context.loaders.user_by_id.load(self.recorded_by_id)
        return User.from_model(row) if row else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SchemePayment | None]:
        async def load(ids: list[int]) -> list[models.SchemePayment | None]:
            return await reading.payments_by_id(info.context, ids)

        rows = await resolve_models(node_ids, load)
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type(description="A consumer's enrolment in a scheme: one unit, paid over time.")
class SchemeEnrollment(relay.Node):
    id: relay.NodeID[int]
    scheme_code: str = strawberry.field(description="Unique, with a check character.")
    status: strawberry.Private[models.EnrollmentStatus]
    enrolled_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None
    row: strawberry.Private[models.SchemeEnrollment]

    @classmethod
    def from_model(cls, row: models.SchemeEnrollment) -> SchemeEnrollment:
        assert row.id is not None  # noqa: S101
        return cls(
            id=row.id,
            scheme_code=row.scheme_code,
            status=row.status,
            enrolled_at=row.enrolled_at,
            cancelled_at=row.cancelled_at,
            cancel_reason=row.cancel_reason,
            row=row,
        )

    @strawberry.field(description="The code grouped for reading aloud: ABCD-EFGH-J.")
    def scheme_code_for_reading(self) -> str:
        return format_for_reading(self.scheme_code)

    async def _state(self, info: Info) -> RepaymentState:
        installments = await reading.installments_of(info.context, self.id)
        return repayment_state(self.row, installments, today(info.context.settings.zone))

    @strawberry.field
    async def consumer(self, info: Info) -> Consumer | None:
        row = await info.context.loaders.consumer_by_id.load(self.row.consumer_id)
        return Consumer.from_model(row) if row else None

    @strawberry.field(description="The consumer's phone (E.164), to call them.")
    async def consumer_phone(self, info: Info) -> str | None:
        row = await info.context.loaders.consumer_by_id.load(self.row.consumer_id)
        return row.phone if row else None

    @strawberry.field(description="A tel: link to call the consumer from the app.")
    async def call_link(self, info: Info) -> str | None:
        phone = await self.consumer_phone(info)
        return f"tel:{phone}" if phone else None

    @strawberry.field
    async def scheme(self, info: Info) -> Scheme | None:
        (row,) = await reading.schemes_by_id(info.context, [self.row.scheme_id])
        return Scheme.from_model(row) if row else None

    @strawberry.field
    async def product(self, info: Info) -> Product | None:
        (row,) = await products_by_id(info.context, [self.row.product_id])
        return Product.from_model(row, info.context.settings.currency) if row else None

    @strawberry.field(description="Where the unit was taken from.")
    async def warehouse(self, info: Info) -> Warehouse | None:
        (row,) = await warehouses_by_id(info.context, [self.row.warehouse_id])
        return Warehouse.from_model(row) if row else None

    @strawberry.field
    async def enrolled_by(self, info: Info) -> User | None:
        row = await info.context.loaders.user_by_id.load(self.row.enrolled_by_id)
        return User.from_model(row) if row else None

    @strawberry.field
    def total_price(self, info: Info) -> Money:
        return _money(info, self.row.total_price_minor)

    @strawberry.field
    def down_payment(self, info: Info) -> Money:
        return _money(info, self.row.down_payment_minor)

    @strawberry.field(description="Paid so far, down payment included.")
    def amount_paid(self, info: Info) -> Money:
        return _money(info, self.row.amount_paid_minor)

    @strawberry.field(description="Still to be paid.")
    def outstanding(self, info: Info) -> Money:
        return _money(info, self.row.total_price_minor - self.row.amount_paid_minor)

    @strawberry.field(description="Due date of the first instalment not fully covered.")
    async def next_due_date(self, info: Info) -> date | None:
        return (await self._state(info)).next_due_date

    @strawberry.field(description="Days since the oldest due, uncovered instalment (today).")
    async def days_in_arrears(self, info: Info) -> int:
        return (await self._state(info)).days_in_arrears

    @strawberry.field
    async def repayment_status(self, info: Info) -> RepaymentStatus:  # type: ignore[valid-type]
        return (await self._state(info)).status

    @strawberry.field(description="The fixed schedule, in order.")
    async def installments(self, info: Info) -> list[SchemeInstallment]:
        rows = await reading.installments_of(info.context, self.id)
        return [
            SchemeInstallment(
                sequence=r.sequence,
                due_date=r.due_date,
                amount_minor=r.amount_minor,
                cumulative_due_minor=r.cumulative_due_minor,
                paid_minor=self.row.amount_paid_minor,
            )
            for r in rows
        ]

    @strawberry.field(description="Payments, oldest first (the down payment is the first).")
    async def payments(self, info: Info) -> list[SchemePayment]:
        rows = await reading.payments_of(info.context, self.id)
        return [SchemePayment.from_model(r) for r in rows]

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[SchemeEnrollment | None]:
        async def load(ids: list[int]) -> list[models.SchemeEnrollment | None]:
            return await reading.enrollments_by_id(info.context, ids)

        rows = await resolve_models(node_ids, load)
        return [cls.from_model(row) if row else None for row in rows]


@strawberry.type(description="A page of scheme enrolments.")
class SchemeEnrollmentConnection(Connection[SchemeEnrollment]):
    pass


@strawberry.input(description="Narrows the scheme catalogue.")
class SchemeFilter:
    type: SchemeType | None = None  # type: ignore[valid-type]
    state_id: strawberry.ID | None = None
    active_on: date | None = strawberry.field(
        default=None, description="Only schemes active and valid on this day."
    )


@strawberry.input(description="Narrows the enrolment list.")
class SchemeEnrollmentFilter:
    plant_ids: list[strawberry.ID] | None = None
    enrolled_in: DateRange | None = None
    scheme_types: list[SchemeType] | None = None  # type: ignore[valid-type]
    consumer_status: ConsumerStatus | None = None  # type: ignore[valid-type]
    repayment_status: list[RepaymentStatus] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="As of today."
    )


@strawberry.type(description="One scheme's figures for a range of days, in your scope.")
class SchemeStat:
    scheme: Scheme
    enrollments: int = strawberry.field(description="Enrolments made in the range.")
    units: int = strawberry.field(description="Units handed out to them.")
    collected_minor: strawberry.Private[int]
    outstanding_minor: strawberry.Private[int]

    @strawberry.field(description="Payments received in the range.")
    def collected(self, info: Info) -> Money:
        return _money(info, self.collected_minor)

    @strawberry.field(description="What the enrolments of the range still owe.")
    def outstanding(self, info: Info) -> Money:
        return _money(info, self.outstanding_minor)


def _scheme_filter(given: SchemeFilter | None) -> reading.SchemeFilter:
    given = given or SchemeFilter()
    return reading.SchemeFilter(
        scheme_type=given.type,
        state_id=decode_id(given.state_id, "State", ["filter", "stateId"])
        if given.state_id is not None
        else None,
        active_on=given.active_on,
    )


def _enrollment_filter(given: SchemeEnrollmentFilter | None) -> reading.EnrollmentFilter:
    given = given or SchemeEnrollmentFilter()
    return reading.EnrollmentFilter(
        plant_ids=decode_ids(given.plant_ids, "Plant", ["filter", "plantIds"]),
        enrolled_in=given.enrolled_in.to_days(["filter", "enrolledIn"])
        if given.enrolled_in is not None
        else None,
        scheme_types=given.scheme_types,
        consumer_status=given.consumer_status,
        repayment_statuses=given.repayment_status,
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
            "Scheme enrolments in your scope. MOST_IN_ARREARS_FIRST: by the day arrears "
            "began, oldest first, enrolments not in arrears last (pages forwards only).",
            *READER_ROLES,
        ),
        permission_classes=[IsAuthenticated, SchemeReader],
    )
    async def scheme_enrollments(
        self,
        info: Info,
        filter: SchemeEnrollmentFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        order_by: SchemeEnrollmentOrder = reading.EnrollmentOrder.ENROLLED_NEWEST_FIRST,  # type: ignore[valid-type]
    ) -> SchemeEnrollmentConnection:
        page = await reading.list_enrollments(
            info.context, _enrollment_filter(filter), order_by, page_args(first, after)
        )
        return connection_from_page(SchemeEnrollmentConnection, page, SchemeEnrollment.from_model)

    @strawberry.field(
        description=requirement(
            "The enrolment with this scheme code (spaces, dashes and case ignored); null when "
            "none in your scope. A mistyped code is a VALIDATION error.",
            *READER_ROLES,
        ),
        permission_classes=[IsAuthenticated, SchemeReader],
    )
    async def scheme_enrollment_by_code(self, info: Info, code: str) -> SchemeEnrollment | None:
        row = await reading.enrollment_by_code(info.context, code)
        return SchemeEnrollment.from_model(row) if row else None

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
                units=s.units,
                collected_minor=s.collected_minor,
                outstanding_minor=s.outstanding_minor,
            )
            for s in stats
        ]


@strawberry.input
class EnrollInSchemeInput:
    consumer_id: strawberry.ID
    scheme_id: strawberry.ID
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A warehouse in the consumer's state; by default the one with most units.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string per attempt (a UUID). Retrying with the same key "
        "returns the first result and creates nothing twice.",
    )


@strawberry.input
class RecordSchemePaymentInput:
    enrollment_id: strawberry.ID
    amount: Decimal = strawberry.field(description="More than zero, at most the outstanding.")
    paid_at: datetime | None = strawberry.field(default=None, description="Default: now.")
    reference: str = strawberry.field(
        description="The receipt's reference: the same reference again returns the first payment."
    )


@strawberry.input
class CancelSchemeEnrollmentInput:
    enrollment_id: strawberry.ID
    reason: str


@strawberry.type(description="The enrolment after the change, or why it did not happen.")
class SchemeEnrollmentPayload:
    enrollment: SchemeEnrollment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="The payment and its enrolment, or why it was refused.")
class SchemePaymentPayload:
    enrollment: SchemeEnrollment | None = None
    payment: SchemePayment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _enrollment_id(value: strawberry.ID) -> int:
    return decode_id(value, "SchemeEnrollment", ["input", "enrollmentId"])


@strawberry.type
class SchemesMutation:
    @strawberry.mutation(
        description=requirement(
            "Enrol an ACTIVE consumer in your scope in a scheme valid today in their state: one "
            "unit leaves stock (OUT_OF_STOCK if none), the down payment is recorded and the "
            "schedule fixed, in one transaction.",
            *ENROLLER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    async def enroll_in_scheme(
        self, info: Info, input: EnrollInSchemeInput
    ) -> SchemeEnrollmentPayload:
        async def work() -> dict[str, Any]:
            writes.authorize_enrol(info.context)  # the role before the input
            new = writes.NewEnrollment(
                consumer_id=decode_id(input.consumer_id, "Consumer", ["input", "consumerId"]),
                scheme_id=decode_id(input.scheme_id, "Scheme", ["input", "schemeId"]),
                warehouse_id=decode_id(input.warehouse_id, "Warehouse", ["input", "warehouseId"])
                if input.warehouse_id is not None
                else None,
                idempotency_key=input.idempotency_key,
            )
            row = await writes.enroll(info.context, new)
            return {"enrollment": SchemeEnrollment.from_model(row)}

        return await mutation_payload(SchemeEnrollmentPayload, work)

    @strawberry.mutation(
        description=requirement(
            "Record money received; never more than outstanding; idempotent by reference "
            "(another amount under a used reference: DUPLICATE).",
            *ENROLLER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    async def record_scheme_payment(
        self, info: Info, input: RecordSchemePaymentInput
    ) -> SchemePaymentPayload:
        async def work() -> dict[str, Any]:
            writes.authorize_payment(info.context)
            paid = await payments.record_payment(
                info.context,
                payments.NewPayment(
                    enrollment_id=_enrollment_id(input.enrollment_id),
                    amount=input.amount,
                    paid_at=input.paid_at,
                    reference=input.reference,
                ),
            )
            return {
                "enrollment": SchemeEnrollment.from_model(paid.enrollment),
                "payment": SchemePayment.from_model(paid.payment),
            }

        return await mutation_payload(SchemePaymentPayload, work)

    @strawberry.mutation(
        description=requirement(
            "ACTIVE -> CANCELLED with a reason; the unit goes back to its warehouse; "
            "payments stay.",
            *CANCELLER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    async def cancel_scheme_enrollment(
        self, info: Info, input: CancelSchemeEnrollmentInput
    ) -> SchemeEnrollmentPayload:
        async def work() -> dict[str, Any]:
            writes.authorize_cancel(info.context)
            row = await writes.cancel(
                info.context, _enrollment_id(input.enrollment_id), input.reason
            )
            return {"enrollment": SchemeEnrollment.from_model(row)}

        return await mutation_payload(SchemeEnrollmentPayload, work)


# Administration (ADMIN): the scheme catalogue.


@strawberry.input
class CreateSchemeInput:
    code: str = strawberry.field(description=CODE_DESCRIPTION)
    name: str = strawberry.field(description=NAME_DESCRIPTION)
    type: SchemeType  # type: ignore[valid-type]
    product_id: strawberry.ID
    total_price: Decimal
    down_payment: Decimal = strawberry.field(description="At most the total price.")
    installment_count: int
    frequency: InstallmentFrequency  # type: ignore[valid-type]
    valid_from: date
    state_ids: list[strawberry.ID] = strawberry.field(description="At least one.")
    valid_to: date | None = None
    active: bool = True


@strawberry.input(description="Fields left out keep their value.")
class UpdateSchemeInput:
    id: strawberry.ID
    code: str | None = strawberry.UNSET
    name: str | None = strawberry.UNSET
    type: SchemeType | None = strawberry.UNSET  # type: ignore[valid-type]
    product_id: strawberry.ID | None = strawberry.UNSET
    total_price: Decimal | None = strawberry.UNSET
    down_payment: Decimal | None = strawberry.UNSET
    installment_count: int | None = strawberry.UNSET
    frequency: InstallmentFrequency | None = strawberry.UNSET  # type: ignore[valid-type]
    valid_from: date | None = strawberry.UNSET
    valid_to: date | None = strawberry.field(
        default=strawberry.UNSET, description="Null: open-ended."
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
    async def create_scheme(self, info: Info, input: CreateSchemeInput) -> SchemePayload:
        async def work() -> dict[str, Any]:
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
            return {"scheme": Scheme.from_model(await catalogue.create_scheme(info.context, terms))}

        return await admin_payload(info, SchemePayload, catalogue.MANAGE_SCHEMES, work)

    @strawberry.mutation(
        description=requirement(
            "Change a scheme; enrolments keep the terms they were made on.", Role.ADMIN
        ),
        permission_classes=[IsAuthenticated],
    )
    async def update_scheme(self, info: Info, input: UpdateSchemeInput) -> SchemePayload:
        async def work() -> dict[str, Any]:
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
            return {"scheme": Scheme.from_model(row)}

        return await admin_payload(info, SchemePayload, catalogue.MANAGE_SCHEMES, work)
