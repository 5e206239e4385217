"""Tables, enums and the rules that are pure data. No GraphQL, no HTTP.

Importing this package registers every table on ``SQLModel.metadata``.
"""

from models.consumers import Consumer, ConsumerHistoryEntry, ConsumerHistoryKind, ConsumerStatus
from models.events import EventTopic, Notification, NotificationKind, OutboxEvent
from models.geography import Cluster, Plant, State
from models.inventory import (
    MovementKind,
    Product,
    ProductType,
    PurchaseRequest,
    PurchaseStatus,
    StockLevel,
    StockMovement,
    Warehouse,
)
from models.packages import (
    OPEN_STAGES,
    Package,
    PackageRequest,
    RequestAction,
    RequestEvent,
    RequestStage,
    ServiceType,
)
from models.persisted_queries import PersistedQuery
from models.schemes.tables import (
    EnrollmentStatus,
    InstallmentFrequency,
    PaymentKind,
    Scheme,
    SchemeEnrollment,
    SchemeInstallment,
    SchemePayment,
    SchemeState,
    SchemeType,
)
from models.signin import SignInAttempt, SignInOutcome
from models.staff import RefreshToken, Role, User, UserPlant

__all__ = [
    "OPEN_STAGES",
    "Cluster",
    "Consumer",
    "ConsumerHistoryEntry",
    "ConsumerHistoryKind",
    "ConsumerStatus",
    "EnrollmentStatus",
    "EventTopic",
    "InstallmentFrequency",
    "MovementKind",
    "Notification",
    "NotificationKind",
    "OutboxEvent",
    "Package",
    "PackageRequest",
    "PaymentKind",
    "PersistedQuery",
    "Plant",
    "Product",
    "ProductType",
    "PurchaseRequest",
    "PurchaseStatus",
    "RefreshToken",
    "RequestAction",
    "RequestEvent",
    "RequestStage",
    "Role",
    "Scheme",
    "SchemeEnrollment",
    "SchemeInstallment",
    "SchemePayment",
    "SchemeState",
    "SchemeType",
    "ServiceType",
    "SignInAttempt",
    "SignInOutcome",
    "State",
    "StockLevel",
    "StockMovement",
    "User",
    "UserPlant",
    "Warehouse",
]
