"""The GraphQL schema, composed from each area's Query and Mutation."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from schema.consumers import ConsumersMutation, ConsumersQuery
from schema.cost import QueryLimits
from schema.errors import ErrorPresenter
from schema.events import NotificationsMutation, NotificationsQuery
from schema.geography import GeographyMutation, GeographyQuery
from schema.inventory import InventoryMutation, InventoryQuery
from schema.node import NodeQuery
from schema.packages.catalogue import PackagesMutation, PackagesQuery
from schema.packages.requests import PackageRequestsQuery
from schema.packages.summary import PackageSummaryQuery
from schema.packages.transitions import PackageRequestsMutation
from schema.purchases import PurchasesMutation, PurchasesQuery
from schema.schemes import SchemesAdminMutation, SchemesMutation, SchemesQuery
from schema.signin import SignInMutation
from schema.stock import StockMutation
from schema.users import UsersMutation, UsersQuery
from server.settings import get_settings

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
        SchemesMutation,
        SchemesAdminMutation,
    ),
)


def build_schema() -> strawberry.Schema:
    settings = get_settings()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: QueryLimits(settings),
            ErrorPresenter,
        ],
    )


schema = build_schema()
