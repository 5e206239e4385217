"""GraphQL types, root fields and administration mutations of packages (tariffs)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import strawberry
from strawberry import relay

from models import packages as models
from models.staff import Role
from resolvers.packages import catalogue as resolvers
from resolvers.validation import input_field
from schema.admin import (
    CODE_DESCRIPTION,
    ERRORS_DESCRIPTION,
    NAME_DESCRIPTION,
    admin_only,
    required_change,
)
from schema.context import Info
from schema.errors import UserError
from schema.money import Money
from schema.mutation import payload_mutation
from schema.permissions import IsAuthenticated, requirement
from schema.relay import ModelNode, decode_id


@strawberry.type(description="A tariff: the load a consumer may draw and its monthly fee.")
class Package(ModelNode[models.Package]):
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
    async def load_rows(cls, info: Info, ids: list[int]) -> Sequence[models.Package | None]:
        return await info.context.loaders.package_by_id.load_many(ids)

    @classmethod
    def from_row(cls, info: Info, row: models.Package) -> Package:
        return cls.from_model(row, info.context.settings.currency)


@strawberry.type
class PackagesQuery:
    @strawberry.field(
        description=requirement("Packages in order of load; by default only active ones."),
        permission_classes=[IsAuthenticated],
    )
    async def packages(self, info: Info, active_only: bool = True) -> list[Package]:
        rows = await resolvers.list_packages(info.context, active_only=active_only)
        return [Package.from_model(row, info.context.settings.currency) for row in rows]


# Administration (ADMIN): create and update packages.

LOAD_WATTS_DESCRIPTION = "Allowed load in watts; greater than zero."
MONTHLY_FEE_DESCRIPTION = 'In the company\'s currency, e.g. "250.00"; at most 2 decimal places.'


@strawberry.input(description="A new package (tariff).")
class CreatePackageInput:
    code: str = strawberry.field(description=CODE_DESCRIPTION)
    name: str = strawberry.field(description=NAME_DESCRIPTION)
    load_watts: int = strawberry.field(description=LOAD_WATTS_DESCRIPTION)
    monthly_fee: Decimal = strawberry.field(description=MONTHLY_FEE_DESCRIPTION)
    active: bool = strawberry.field(
        default=True, description="Whether consumers may be put on it now."
    )


@strawberry.input(description="Changes to a package. Fields left out keep their value.")
class UpdatePackageInput:
    id: strawberry.ID = strawberry.field(description="The package to change.")
    code: str | None = strawberry.field(default=strawberry.UNSET, description=CODE_DESCRIPTION)
    name: str | None = strawberry.field(default=strawberry.UNSET, description=NAME_DESCRIPTION)
    load_watts: int | None = strawberry.field(
        default=strawberry.UNSET, description=LOAD_WATTS_DESCRIPTION
    )
    monthly_fee: Decimal | None = strawberry.field(
        default=strawberry.UNSET, description=MONTHLY_FEE_DESCRIPTION
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="false: no new requests may ask for it; consumers on it keep it.",
    )


@strawberry.type(description="The result of createPackage or updatePackage.")
class PackagePayload:
    package: Package | None = strawberry.field(default=None, description="The package as saved.")
    errors: list[UserError] = strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


@strawberry.type
class PackagesMutation:
    @strawberry.mutation(
        description=requirement("Create a package (tariff).", Role.ADMIN),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_PACKAGES))
    async def create_package(self, info: Info, input: CreatePackageInput) -> PackagePayload:
        new = resolvers.NewPackage(
            code=input.code,
            name=input.name,
            load_watts=input.load_watts,
            monthly_fee=input.monthly_fee,
            active=input.active,
        )
        row = await resolvers.create_package(info.context, new)
        return PackagePayload(package=Package.from_model(row, info.context.settings.currency))

    @strawberry.mutation(
        description=requirement(
            "Change a package. Consumers on it stay on it, at its new terms.", Role.ADMIN
        ),
        permission_classes=[IsAuthenticated],
    )
    @payload_mutation(guard=admin_only(resolvers.MANAGE_PACKAGES))
    async def update_package(self, info: Info, input: UpdatePackageInput) -> PackagePayload:
        package_id = decode_id(input.id, "Package", input_field("id"))
        changes = resolvers.PackageChanges(
            code=required_change(input.code, "code"),
            name=required_change(input.name, "name"),
            load_watts=required_change(input.load_watts, "loadWatts"),
            monthly_fee=required_change(input.monthly_fee, "monthlyFee"),
            active=required_change(input.active, "active"),
        )
        row = await resolvers.update_package(info.context, package_id, changes)
        return PackagePayload(package=Package.from_model(row, info.context.settings.currency))
