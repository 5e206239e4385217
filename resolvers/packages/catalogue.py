"""Packages (tariffs): part of the catalogue, readable by every signed-in user;
administrators create and change them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import col

from core.db import write_session
from models.base import utcnow
from models.packages import Package
from resolvers.admin import (
    UNCHANGED,
    Unchanged,
    UniqueField,
    clean_change,
    ensure_unique,
    flush_checked,
    get_or_not_found,
    require_admin,
)
from resolvers.context import RequestContext
from resolvers.validation import (
    check_positive,
    clean_code,
    clean_name,
    input_field,
    money_to_minor,
)


async def list_packages(ctx: RequestContext, *, active_only: bool) -> list[Package]:
    ctx.require_actor()
    statement = sa.select(Package).order_by(col(Package.load_watts), col(Package.id))
    if active_only:
        statement = statement.where(col(Package.active).is_(True))
    async with ctx.sessions() as session:
        return list((await session.execute(statement)).scalars().all())


# Administration (ADMIN): creating and changing packages.

MANAGE_PACKAGES = "manage packages"
PACKAGE_CODE = UniqueField(Package, "code", input_field("code"), "Package code")


@dataclass(frozen=True, slots=True)
class NewPackage:
    code: str
    name: str
    load_watts: int
    monthly_fee: Decimal
    active: bool = True


@dataclass(frozen=True, slots=True)
class PackageChanges:
    code: str | Unchanged = UNCHANGED
    name: str | Unchanged = UNCHANGED
    load_watts: int | Unchanged = UNCHANGED
    monthly_fee: Decimal | Unchanged = UNCHANGED
    active: bool | Unchanged = UNCHANGED


async def create_package(ctx: RequestContext, new: NewPackage) -> Package:
    """A new package (tariff) with a unique code; the fee is stored in minor units."""
    require_admin(ctx, MANAGE_PACKAGES)
    package = Package(
        code=clean_code(new.code, input_field("code")),
        name=clean_name(new.name, input_field("name")),
        load_watts=check_positive(new.load_watts, input_field("loadWatts")),
        monthly_fee_minor=money_to_minor(new.monthly_fee, input_field("monthlyFee")),
        active=new.active,
    )
    async with write_session(ctx.sessions) as session:
        await ensure_unique(session, PACKAGE_CODE, package.code)
        session.add(package)
        await flush_checked(session, [PACKAGE_CODE])
    return package


async def update_package(ctx: RequestContext, package_id: int, changes: PackageChanges) -> Package:
    """Change a package. Consumers on it keep it; a deactivated one can no longer be chosen."""
    require_admin(ctx, MANAGE_PACKAGES)
    code = clean_change(changes.code, clean_code, input_field("code"))
    name = clean_change(changes.name, clean_name, input_field("name"))
    load_watts = clean_change(changes.load_watts, check_positive, input_field("loadWatts"))
    fee_minor = clean_change(changes.monthly_fee, money_to_minor, input_field("monthlyFee"))
    async with write_session(ctx.sessions) as session:
        package = await get_or_not_found(session, Package, package_id, "Package", input_field("id"))
        if code is not UNCHANGED:
            await ensure_unique(session, PACKAGE_CODE, code, except_id=package_id)
            package.code = code
        if name is not UNCHANGED:
            package.name = name
        if load_watts is not UNCHANGED:
            package.load_watts = load_watts
        if fee_minor is not UNCHANGED:
            package.monthly_fee_minor = fee_minor
        if changes.active is not UNCHANGED:
            package.active = changes.active
        package.updated_at = utcnow()
        await flush_checked(session, [PACKAGE_CODE])
    return package
