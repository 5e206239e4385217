"""GraphQL types and fields of scheme enrolments: the list, the instalments, payments, and
enrolling, paying and cancelling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from models.schemes import tables as models
from models.schemes.codes import format_for_reading
from resolvers.dates import today
from resolvers.inventory.catalogue import products_by_id, warehouses_by_id
from resolvers.schemes import enrollment as writes
from resolvers.schemes import payments, reading
from resolvers.schemes.customers import NewCustomer
from resolvers.schemes.repayment import RepaymentState, outstanding_minor, repayment_state
from schema.consumers import Consumer
from schema.context import Info
from schema.dates import DateRange
from schema.enums import (
    ConsumerStatus,
    PaymentKind,
    RepaymentStatus,
    SchemeEnrollmentOrder,
    SchemeType,
)
from schema.errors import UserError
from schema.inventory.catalogue import Product, Warehouse
from schema.money import Money
from schema.mutation import payload_mutation
from schema.permissions import IsAuthenticated, requirement
from schema.relay import (
    Connection,
    ModelNode,
    connection_from_page,
    decode_id,
    decode_ids,
    page_args,
)
from schema.schemes.catalogue import READER_ROLES, Scheme, SchemeReader, money
from schema.staff import User, staff_member

ENROLLER_ROLES = sorted(writes.ENROLLERS)
CANCELLER_ROLES = sorted(writes.CANCELLERS)


@strawberry.type(description="One instalment of an enrolment's fixed schedule.")
class SchemeInstallment:
    sequence: int
    due_date: date
    amount_minor: strawberry.Private[int]
    cumulative_due_minor: strawberry.Private[int]
    paid_minor: strawberry.Private[int]

    @strawberry.field
    def amount(self, info: Info) -> Money:
        return money(info, self.amount_minor)

    @strawberry.field(description="Covered by the payments so far (allocated earliest first).")
    def covered(self) -> bool:
        return self.paid_minor >= self.cumulative_due_minor


@strawberry.type(description="Money received against an enrolment.")
class SchemePayment(ModelNode[models.SchemePayment]):
    id: relay.NodeID[int]
    kind: PaymentKind
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
        return money(info, self.amount_minor)

    @strawberry.field
    async def recorded_by(self, info: Info) -> User | None:
        return await staff_member(info, self.recorded_by_id)

    @classmethod
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.SchemePayment | None]:
        return await reading.payments_by_id(info.context, ids)


@strawberry.type(description="A consumer's enrolment in a scheme: one unit, paid over time.")
class SchemeEnrollment(ModelNode[models.SchemeEnrollment]):
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
        return await staff_member(info, self.row.enrolled_by_id)

    @strawberry.field
    def total_price(self, info: Info) -> Money:
        return money(info, self.row.total_price_minor)

    @strawberry.field
    def down_payment(self, info: Info) -> Money:
        return money(info, self.row.down_payment_minor)

    @strawberry.field(description="Paid so far, down payment included.")
    def amount_paid(self, info: Info) -> Money:
        return money(info, self.row.amount_paid_minor)

    @strawberry.field(description="Still to be paid; 0 once cancelled (the unit went back).")
    def outstanding(self, info: Info) -> Money:
        row = self.row
        return money(
            info, outstanding_minor(row.status, row.total_price_minor, row.amount_paid_minor)
        )

    @strawberry.field(
        description="Due today: the instalments due up to and including today, less what "
        "was paid toward them (payments cover instalments earliest first); 0 when up to "
        "date, paid off or cancelled."
    )
    async def amount_overdue(self, info: Info) -> Money:
        return money(info, (await self._state(info)).amount_overdue_minor)

    @strawberry.field(
        description="Due date of the first instalment not fully covered; null once paid off "
        "or cancelled."
    )
    async def next_due_date(self, info: Info) -> date | None:
        return (await self._state(info)).next_due_date

    @strawberry.field(
        description="Days since the oldest due, uncovered instalment (today); 0 once cancelled."
    )
    async def days_in_arrears(self, info: Info) -> int:
        return (await self._state(info)).days_in_arrears

    @strawberry.field
    async def repayment_status(self, info: Info) -> RepaymentStatus:
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
    async def load_rows(
        cls, info: Info, ids: list[int]
    ) -> Sequence[models.SchemeEnrollment | None]:
        return await reading.enrollments_by_id(info.context, ids)


@strawberry.type(description="A page of scheme enrolments.")
class SchemeEnrollmentConnection(Connection[SchemeEnrollment]):
    pass


@strawberry.input(description="Narrows the enrolment list.")
class SchemeEnrollmentFilter:
    plant_ids: list[strawberry.ID] | None = None
    enrolled_in: DateRange | None = None
    scheme_types: list[SchemeType] | None = None
    consumer_status: ConsumerStatus | None = None
    repayment_status: list[RepaymentStatus] | None = strawberry.field(
        default=None, description="As of today."
    )
    has_amount_overdue: bool | None = strawberry.field(
        default=None,
        description="As of today: true, only enrolments with an amount overdue (an "
        "instalment due and not covered, today's included); false, only those without.",
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
        has_amount_overdue=given.has_amount_overdue,
    )


@strawberry.type
class SchemeEnrollmentsQuery:
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
        order_by: SchemeEnrollmentOrder = reading.EnrollmentOrder.ENROLLED_NEWEST_FIRST,
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


@strawberry.input(
    description="A new customer, connected at enrolment: the scheme sells the appliance "
    "with the connection."
)
class NewCustomerInput:
    name: str
    phone: str = strawberry.field(
        description="E.164 (+ and 8 to 15 digits); spaces and dashes are dropped."
    )
    plant_id: strawberry.ID = strawberry.field(description="A plant in your scope.")
    package_id: strawberry.ID = strawberry.field(description="An active package.")


@strawberry.input(
    description="Who (consumerId, or newCustomer: exactly one) enrols in which scheme."
)
class EnrollInSchemeInput:
    scheme_id: strawberry.ID
    consumer_id: strawberry.ID | None = strawberry.field(
        default=None, description="An ACTIVE consumer in your scope."
    )
    new_customer: NewCustomerInput | None = strawberry.field(
        default=None,
        description="Instead of consumerId: the consumer is created (ACTIVE, connected "
        "today, with a generated account number) in the enrolment's transaction.",
    )
    warehouse_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="A warehouse in the consumer's state; by default the one with most units.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string per attempt (a UUID). Retrying with the same key "
        "returns the first result and creates nothing twice.",
    )
    additional_unit: bool = strawberry.field(
        default=False,
        description="True when the consumer, already enrolled in this scheme and not "
        "cancelled, wants another unit under it. Without it such an enrolment is refused "
        "with DUPLICATE, naming the existing scheme code.",
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


def _new_customer(given: NewCustomerInput) -> NewCustomer:
    path = ["input", "newCustomer"]
    return NewCustomer(
        name=given.name,
        phone=given.phone,
        plant_id=decode_id(given.plant_id, "Plant", [*path, "plantId"]),
        package_id=decode_id(given.package_id, "Package", [*path, "packageId"]),
    )


def _enrollment_id(value: strawberry.ID) -> int:
    return decode_id(value, "SchemeEnrollment", ["input", "enrollmentId"])


@strawberry.type
class SchemeEnrollmentsMutation:
    @strawberry.mutation(
        description=requirement(
            "Enrol an ACTIVE consumer in your scope in a scheme valid today in their state: one "
            "unit leaves stock (OUT_OF_STOCK if none), the down payment is recorded and the "
            "schedule fixed, in one transaction. Or a new customer (newCustomer) at a plant "
            "in your scope: the consumer is created in that same transaction. A consumer "
            "with a live (not cancelled) enrolment in the same scheme is refused with "
            "DUPLICATE naming its scheme code, unless additionalUnit is true.",
            *ENROLLER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=writes.authorize_enrol)
    async def enroll_in_scheme(
        self, info: Info, input: EnrollInSchemeInput
    ) -> SchemeEnrollmentPayload:
        new = writes.NewEnrollment(
            consumer_id=decode_id(input.consumer_id, "Consumer", ["input", "consumerId"])
            if input.consumer_id is not None
            else None,
            new_customer=_new_customer(input.new_customer) if input.new_customer else None,
            scheme_id=decode_id(input.scheme_id, "Scheme", ["input", "schemeId"]),
            warehouse_id=decode_id(input.warehouse_id, "Warehouse", ["input", "warehouseId"])
            if input.warehouse_id is not None
            else None,
            idempotency_key=input.idempotency_key,
            additional_unit=input.additional_unit,
        )
        row = await writes.enroll(info.context, new)
        return SchemeEnrollmentPayload(enrollment=SchemeEnrollment.from_model(row))

    @strawberry.mutation(
        description=requirement(
            "Record money received; never more than outstanding; idempotent by reference "
            "(another amount under a used reference: DUPLICATE).",
            *ENROLLER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=writes.authorize_payment)
    async def record_scheme_payment(
        self, info: Info, input: RecordSchemePaymentInput
    ) -> SchemePaymentPayload:
        paid = await payments.record_payment(
            info.context,
            payments.NewPayment(
                enrollment_id=_enrollment_id(input.enrollment_id),
                amount=input.amount,
                paid_at=input.paid_at,
                reference=input.reference,
            ),
        )
        return SchemePaymentPayload(
            enrollment=SchemeEnrollment.from_model(paid.enrollment),
            payment=SchemePayment.from_model(paid.payment),
        )

    @strawberry.mutation(
        description=requirement(
            "ACTIVE -> CANCELLED with a reason; the unit goes back to its warehouse; "
            "payments stay.",
            *CANCELLER_ROLES,
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=writes.authorize_cancel)
    async def cancel_scheme_enrollment(
        self, info: Info, input: CancelSchemeEnrollmentInput
    ) -> SchemeEnrollmentPayload:
        row = await writes.cancel(info.context, _enrollment_id(input.enrollment_id), input.reason)
        return SchemeEnrollmentPayload(enrollment=SchemeEnrollment.from_model(row))
