"""The GraphQL schema, composed from each area's Query and Mutation."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from core.settings import Settings, get_settings
from schema.consumers import ConsumersMutation, ConsumersQuery
from schema.descriptions import SCALARS, describe
from schema.errors import ErrorPresenter
from schema.events.notifications import NotificationsMutation, NotificationsQuery
from schema.events.subscriptions import Subscription
from schema.execution.batched import BatchedExecutor
from schema.execution.document_cache import RememberedDocuments
from schema.execution.limits import QueryLimits
from schema.execution.operation_log import OperationLog
from schema.execution.request_errors import OperationChoice
from schema.geography import GeographyMutation, GeographyQuery
from schema.inventory.admin import InventoryMutation
from schema.inventory.catalogue import InventoryQuery
from schema.inventory.purchases import PurchasesMutation, PurchasesQuery
from schema.inventory.stock import StockMutation
from schema.node import NodeQuery
from schema.packages.catalogue import PackagesMutation, PackagesQuery
from schema.packages.requests import PackageRequestsQuery
from schema.packages.summary import PackageSummaryQuery
from schema.packages.transitions import PackageRequestsMutation
from schema.schemes.catalogue import SchemesAdminMutation, SchemesQuery
from schema.schemes.enrollments import SchemeEnrollmentsMutation, SchemeEnrollmentsQuery
from schema.signin import SignInMutation
from schema.staff import UsersMutation, UsersQuery

Query = merge_types(
    "Query",
    (
        NodeQuery,
        UsersQuery,
        GeographyQuery,
        ConsumersQuery,
        PackagesQuery,
        PackageRequestsQuery,
        PackageSummaryQuery,
        NotificationsQuery,
        InventoryQuery,
        PurchasesQuery,
        SchemesQuery,
        SchemeEnrollmentsQuery,
    ),
)

Mutation = merge_types(
    "Mutation",
    (
        SignInMutation,
        UsersMutation,
        GeographyMutation,
        ConsumersMutation,
        PackagesMutation,
        PackageRequestsMutation,
        NotificationsMutation,
        InventoryMutation,
        StockMutation,
        PurchasesMutation,
        SchemeEnrollmentsMutation,
        SchemesAdminMutation,
    ),
)


class GridlineSchema(strawberry.Schema):
    """Strawberry's schema, without its logging of every error.

    Strawberry would log each error with its message, and messages can quote variables
    (a mistyped password). ErrorPresenter logs unexpected errors with their request id, and
    OperationLog logs every operation's outcome with codes only.
    """

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        pass


def build_schema(
    settings: Settings | None = None,
    execution_context_class: type[StrawberryGraphQLCoreExecutionContext] | None = None,
) -> strawberry.Schema:
    """The schema, with the document limits of ``settings`` (the process's by default).

    Execution completes planned selections in bulk (``BatchedExecutor``) unless
    ``settings.batched_execution`` is off; ``execution_context_class`` overrides the choice
    (the tests that compare execution paths pass their own).
    """
    limits = settings or get_settings()
    extensions: list[Any] = [
        OperationLog,  # first: it times everything and sees the errors as presented
        OperationChoice,  # before validation: several operations need a name
        lambda: RememberedDocuments(limits),  # before the limits: it validates
        lambda: QueryLimits(limits),
        ErrorPresenter,
    ]
    if execution_context_class is None and limits.batched_execution:
        execution_context_class = BatchedExecutor
    built = GridlineSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=execution_context_class,
        config=StrawberryConfig(scalar_map=SCALARS),
    )
    describe(built._schema)
    return built


schema = build_schema()
