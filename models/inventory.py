"""Products, warehouses, the stock ledger with its levels, and purchase requests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.base import BigIntId, UTCDateTime, enum_type, timestamp_field


class ProductType(StrEnum):
    FAN = "FAN"
    TELEVISION = "TELEVISION"
    REFRIGERATOR = "REFRIGERATOR"
    LIGHTING = "LIGHTING"
    IRON = "IRON"
    MIXER = "MIXER"
    WATER_PUMP = "WATER_PUMP"
    FLOUR_MILL = "FLOUR_MILL"
    OTHER = "OTHER"


class Product(SQLModel, table=True):
    """An appliance the company stocks and sells through schemes."""

    __tablename__ = "products"
    __table_args__ = (
        sa.CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),
        sa.CheckConstraint("reorder_level >= 0", name="reorder_level_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=120)
    product_type: ProductType = Field(sa_type=enum_type(ProductType), index=True)
    unit_price_minor: int
    reorder_level: int = Field(default=0)
    active: bool = Field(default=True)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()


class Warehouse(SQLModel, table=True):
    """Where stock is kept; each belongs to a state."""

    __tablename__ = "warehouses"
    __table_args__ = (
        sa.CheckConstraint("latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name="latitude"),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude BETWEEN -180 AND 180)", name="longitude"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True)
    name: str = Field(max_length=120)
    state_id: int = Field(foreign_key="states.id", index=True)
    address: str | None = Field(default=None, max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    active: bool = Field(default=True)
    created_at: datetime = timestamp_field()


class StockLevel(SQLModel, table=True):
    """Units of a product in a warehouse: always the sum of its movements."""

    __tablename__ = "stock_levels"
    __table_args__ = (
        sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        sa.CheckConstraint("reserved >= 0 AND reserved <= on_hand", name="reserved_within_on_hand"),
    )

    product_id: int = Field(foreign_key="products.id", primary_key=True)
    warehouse_id: int = Field(foreign_key="warehouses.id", primary_key=True, index=True)
    on_hand: int = Field(default=0)
    # Units promised but not yet issued; available = on_hand - reserved.
    reserved: int = Field(default=0)
    updated_at: datetime = timestamp_field()


class MovementKind(StrEnum):
    RECEIPT = "RECEIPT"
    ISSUE = "ISSUE"
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"
    ADJUSTMENT = "ADJUSTMENT"


class StockMovement(SQLModel, table=True):
    """One append-only entry of the stock ledger; ``quantity`` is signed."""

    __tablename__ = "stock_movements"
    __table_args__ = (
        sa.CheckConstraint("quantity <> 0", name="quantity_not_zero"),
        sa.CheckConstraint(
            "(kind IN ('RECEIPT', 'TRANSFER_IN') AND quantity > 0)"
            " OR (kind IN ('ISSUE', 'TRANSFER_OUT') AND quantity < 0)"
            " OR kind = 'ADJUSTMENT'",
            name="quantity_sign_matches_kind",
        ),
        sa.Index(
            "ix_stock_movements_product_id_warehouse_id_id", "product_id", "warehouse_id", "id"
        ),
        sa.Index("ix_stock_movements_warehouse_id_id", "warehouse_id", "id"),
    )

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    product_id: int = Field(foreign_key="products.id")
    warehouse_id: int = Field(foreign_key="warehouses.id")
    kind: MovementKind = Field(sa_type=enum_type(MovementKind))
    quantity: int
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    reason: str | None = Field(default=None, max_length=500)
    reference: str | None = Field(default=None, max_length=64)
    enrollment_id: int | None = Field(default=None, foreign_key="scheme_enrollments.id", index=True)
    purchase_request_id: int | None = Field(
        default=None, foreign_key="purchase_requests.id", index=True
    )
    created_at: datetime = timestamp_field()


class PurchaseStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    RECEIVED = "RECEIVED"


class PurchaseRequest(SQLModel, table=True):
    """A cluster in-charge's request to buy stock, decided by the state in-charge."""

    __tablename__ = "purchase_requests"
    __table_args__ = (
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint(
            "quantity_received >= 0 AND quantity_received <= quantity",
            name="received_within_quantity",
        ),
        sa.Index("ix_purchase_requests_status_created_at", "status", "created_at"),
        sa.Index("ix_purchase_requests_warehouse_id_created_at", "warehouse_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="products.id", index=True)
    warehouse_id: int = Field(foreign_key="warehouses.id")
    quantity: int
    quantity_received: int = Field(default=0)
    reason: str = Field(max_length=500)
    status: PurchaseStatus = Field(
        sa_type=enum_type(PurchaseStatus), default=PurchaseStatus.PENDING
    )
    requested_by_id: int = Field(foreign_key="users.id", index=True)
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_note: str | None = Field(default=None, max_length=500)
    created_at: datetime = timestamp_field()
    updated_at: datetime = timestamp_field()
