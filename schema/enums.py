"""Every enum of the API, registered with Strawberry once, here.

``strawberry.enum`` marks the Python enum itself and returns it, so the types annotate
their fields with the classes below, which mypy sees as types. Each is imported under
its GraphQL name; the GraphQL name and description are given once, below. Types import
these names from here, so the registration has run before a schema is built.
"""

from __future__ import annotations

import strawberry

from models.consumers import ConsumerStatus
from models.events import NotificationKind
from models.inventory import MovementKind as StockMovementKind
from models.inventory import ProductType
from models.inventory import PurchaseStatus as PurchaseRequestStatus
from models.packages import RequestAction, RequestStage, ServiceType
from models.schemes.tables import InstallmentFrequency, PaymentKind, SchemeType
from models.staff import Role
from resolvers.errors import ErrorCode
from resolvers.events.subscriptions import AssignmentKind
from resolvers.packages.requests import RequestOrder as PackageRequestOrder
from resolvers.schemes.reading import EnrollmentOrder as SchemeEnrollmentOrder
from resolvers.schemes.repayment import RepaymentStatus

__all__ = [
    "AssignmentKind",
    "ConsumerStatus",
    "ErrorCode",
    "InstallmentFrequency",
    "NotificationKind",
    "PackageRequestOrder",
    "PaymentKind",
    "ProductType",
    "PurchaseRequestStatus",
    "RepaymentStatus",
    "RequestAction",
    "RequestStage",
    "Role",
    "SchemeEnrollmentOrder",
    "SchemeType",
    "ServiceType",
    "StockMovementKind",
]

strawberry.enum(ErrorCode, description="Why an operation was refused. Clients branch on these.")

# Staff and consumers
strawberry.enum(Role, description="A staff member's designation.")
strawberry.enum(ConsumerStatus, description="Whether power is on.")

# Package requests
strawberry.enum(ServiceType, description="What a package request asks for.")
strawberry.enum(
    RequestStage,
    description="Where a request is: REQUESTED, IN_PROCESS and REVIEW are open (the Request, "
    "In Process and Review tabs); COMPLETED, REJECTED and CANCELLED are closed.",
)
strawberry.enum(RequestAction, description="A step of a request's history.")
strawberry.enum(PackageRequestOrder, name="PackageRequestOrder", description="By creation time.")

# Notifications and subscriptions
strawberry.enum(NotificationKind, description="What happened.")
strawberry.enum(
    AssignmentKind,
    description="What happened to a request, for the field agent it concerns: ASSIGNED, "
    "REASSIGNED (to you from a colleague), UNASSIGNED (reassigned away from you), SENT_BACK "
    "(to you after review), REJECTED or CANCELLED (while assigned to you: the job is off).",
)

# Schemes
strawberry.enum(SchemeType, description="The kind of offer.")
strawberry.enum(InstallmentFrequency)
strawberry.enum(PaymentKind)
strawberry.enum(
    RepaymentStatus,
    description="ON_TRACK; BEHIND (an instalment due and unpaid); DEFAULTED (behind for over "
    "90 days); PAID_OFF; CANCELLED.",
)
strawberry.enum(SchemeEnrollmentOrder, name="SchemeEnrollmentOrder")

# Inventory
strawberry.enum(ProductType, description="What kind of appliance it is.")
strawberry.enum(
    StockMovementKind,
    name="StockMovementKind",
    description="What a stock movement records: RECEIPT (a purchase delivered), ISSUE (a "
    "unit handed to a consumer with a scheme), TRANSFER_OUT and TRANSFER_IN (the two sides "
    "of a transfer between warehouses), ADJUSTMENT (a correction after a count, damage or "
    "loss).",
)
strawberry.enum(
    PurchaseRequestStatus,
    name="PurchaseRequestStatus",
    description="PENDING (waiting for the state in-charge), APPROVED (to be delivered, "
    "possibly in parts), REJECTED, RECEIVED (all of it delivered).",
)
