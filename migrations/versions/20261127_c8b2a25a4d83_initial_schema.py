"""initial schema

Revision ID: c8b2a25a4d83
Revises:
Create Date: 2026-11-27 20:55:50.983725
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.base

revision: str = "c8b2a25a4d83"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "packages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("load_watts", sa.Integer(), nullable=False),
        sa.Column("monthly_fee_minor", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("load_watts > 0", name=op.f("ck_packages_load_watts_positive")),
        sa.CheckConstraint(
            "monthly_fee_minor >= 0", name=op.f("ck_packages_monthly_fee_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packages")),
        sa.UniqueConstraint("code", name=op.f("uq_packages_code")),
    )
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_packages_active"), ["active"], unique=False)

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "product_type",
            sa.Enum(
                "FAN",
                "TELEVISION",
                "REFRIGERATOR",
                "LIGHTING",
                "IRON",
                "MIXER",
                "WATER_PUMP",
                "FLOUR_MILL",
                "OTHER",
                name="product_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("unit_price_minor", sa.Integer(), nullable=False),
        sa.Column("reorder_level", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reorder_level >= 0", name=op.f("ck_products_reorder_level_not_negative")
        ),
        sa.CheckConstraint(
            "unit_price_minor >= 0", name=op.f("ck_products_unit_price_not_negative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("sku", name=op.f("uq_products_sku")),
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_products_product_type"), ["product_type"], unique=False
        )

    op.create_table(
        "states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_states")),
        sa.UniqueConstraint("code", name=op.f("uq_states_code")),
    )
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["state_id"], ["states.id"], name=op.f("fk_clusters_state_id_states")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clusters")),
        sa.UniqueConstraint("code", name=op.f("uq_clusters_code")),
    )
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clusters_state_id"), ["state_id"], unique=False)

    op.create_table(
        "schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column(
            "scheme_type",
            sa.Enum(
                "STANDARD",
                "SUBSIDISED",
                "FESTIVE",
                "PRODUCTIVE_USE",
                name="scheme_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("total_price_minor", sa.Integer(), nullable=False),
        sa.Column("down_payment_minor", sa.Integer(), nullable=False),
        sa.Column("installment_count", sa.Integer(), nullable=False),
        sa.Column(
            "frequency",
            sa.Enum(
                "WEEKLY",
                "MONTHLY",
                name="installment_frequency",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "down_payment_minor >= 0 AND down_payment_minor <= total_price_minor",
            name=op.f("ck_schemes_down_payment_within_price"),
        ),
        sa.CheckConstraint(
            "installment_count > 0", name=op.f("ck_schemes_installment_count_positive")
        ),
        sa.CheckConstraint("total_price_minor > 0", name=op.f("ck_schemes_total_price_positive")),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_schemes_validity_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_schemes_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schemes")),
        sa.UniqueConstraint("code", name=op.f("uq_schemes_code")),
    )
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_schemes_product_id"), ["product_id"], unique=False)
        batch_op.create_index(
            "ix_schemes_scheme_type_valid_from", ["scheme_type", "valid_from"], unique=False
        )

    op.create_table(
        "warehouses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "latitude IS NULL OR (latitude BETWEEN -90 AND 90)", name=op.f("ck_warehouses_latitude")
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR (longitude BETWEEN -180 AND 180)",
            name=op.f("ck_warehouses_longitude"),
        ),
        sa.ForeignKeyConstraint(
            ["state_id"], ["states.id"], name=op.f("fk_warehouses_state_id_states")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_warehouses")),
        sa.UniqueConstraint("code", name=op.f("uq_warehouses_code")),
    )
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_warehouses_state_id"), ["state_id"], unique=False)

    op.create_table(
        "plants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name=op.f("fk_plants_cluster_id_clusters")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plants")),
        sa.UniqueConstraint("code", name=op.f("uq_plants_code")),
    )
    with op.batch_alter_table("plants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plants_cluster_id"), ["cluster_id"], unique=False)

    op.create_table(
        "scheme_states",
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("state_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["schemes.id"],
            name=op.f("fk_scheme_states_scheme_id_schemes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["state_id"], ["states.id"], name=op.f("fk_scheme_states_state_id_states")
        ),
        sa.PrimaryKeyConstraint("scheme_id", "state_id", name=op.f("pk_scheme_states")),
    )
    with op.batch_alter_table("scheme_states", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheme_states_state_id"), ["state_id"], unique=False)

    op.create_table(
        "stock_levels",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("on_hand", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("on_hand >= 0", name=op.f("ck_stock_levels_on_hand_not_negative")),
        sa.CheckConstraint(
            "reserved >= 0 AND reserved <= on_hand",
            name=op.f("ck_stock_levels_reserved_within_on_hand"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_stock_levels_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_stock_levels_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("product_id", "warehouse_id", name=op.f("pk_stock_levels")),
    )
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_levels_warehouse_id"), ["warehouse_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "OPERATOR",
                "TECHNICIAN",
                "CSA",
                "CLUSTER_INCHARGE",
                "STATE_INCHARGE",
                "ADMIN",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("state_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(role = 'CLUSTER_INCHARGE') = (cluster_id IS NOT NULL)",
            name=op.f("ck_users_cluster_scope"),
        ),
        sa.CheckConstraint(
            "(role = 'STATE_INCHARGE') = (state_id IS NOT NULL)", name=op.f("ck_users_state_scope")
        ),
        sa.CheckConstraint(
            "email IS NOT NULL OR phone IS NOT NULL", name=op.f("ck_users_has_login")
        ),
        sa.ForeignKeyConstraint(
            ["cluster_id"], ["clusters.id"], name=op.f("fk_users_cluster_id_clusters")
        ),
        sa.ForeignKeyConstraint(["state_id"], ["states.id"], name=op.f("fk_users_state_id_states")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("phone", name=op.f("uq_users_phone")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index("ix_users_role_active", ["role", "active"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_state_id"), ["state_id"], unique=False)

    op.create_table(
        "consumers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_number", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("plant_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "ACTIVE",
                "BANNED",
                name="consumer_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("connected_at", sa.Date(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("phone LIKE '+%'", name=op.f("ck_consumers_phone_e164")),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_consumers_package_id_packages")
        ),
        sa.ForeignKeyConstraint(
            ["plant_id"], ["plants.id"], name=op.f("fk_consumers_plant_id_plants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumers")),
        sa.UniqueConstraint("account_number", name=op.f("uq_consumers_account_number")),
    )
    with op.batch_alter_table("consumers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consumers_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_consumers_package_id"), ["package_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consumers_phone"), ["phone"], unique=False)
        batch_op.create_index(
            "ix_consumers_plant_id_name_id", ["plant_id", "name", "id"], unique=False
        )
        batch_op.create_index(
            "ix_consumers_plant_id_status_name_id",
            ["plant_id", "status", "name", "id"],
            unique=False,
        )

    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("plant_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_outbox_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["plant_id"], ["plants.id"], name=op.f("fk_outbox_events_plant_id_plants")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_plant_id_id", ["plant_id", "id"], unique=False)
        batch_op.create_index("ix_outbox_events_topic_id", ["topic", "id"], unique=False)

    op.create_table(
        "purchase_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("quantity_received", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "REJECTED",
                "RECEIVED",
                name="purchase_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_purchase_requests_quantity_positive")),
        sa.CheckConstraint(
            "quantity_received >= 0 AND quantity_received <= quantity",
            name=op.f("ck_purchase_requests_received_within_quantity"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_purchase_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_purchase_requests_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_purchase_requests_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_purchase_requests_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_requests")),
    )
    with op.batch_alter_table("purchase_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_purchase_requests_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_purchase_requests_requested_by_id"), ["requested_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_purchase_requests_status_created_at", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_purchase_requests_warehouse_id_created_at",
            ["warehouse_id", "created_at"],
            unique=False,
        )

    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("family_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_refresh_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_refresh_tokens_family_id"), ["family_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_refresh_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "user_plants",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("plant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plant_id"], ["plants.id"], name=op.f("fk_user_plants_plant_id_plants")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_plants_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "plant_id", name=op.f("pk_user_plants")),
    )
    with op.batch_alter_table("user_plants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_plants_plant_id"), ["plant_id"], unique=False)

    op.create_table(
        "package_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consumer_id", sa.Integer(), nullable=False),
        sa.Column("plant_id", sa.Integer(), nullable=False),
        sa.Column(
            "service",
            sa.Enum(
                "UPGRADE",
                "DOWNGRADE",
                "DISCONNECTION",
                "RECONNECTION",
                name="service_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "stage",
            sa.Enum(
                "REQUESTED",
                "IN_PROCESS",
                "REVIEW",
                "COMPLETED",
                "REJECTED",
                "CANCELLED",
                name="request_stage",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("current_package_id", sa.Integer(), nullable=False),
        sa.Column("requested_package_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(service IN ('UPGRADE', 'DOWNGRADE')) = (requested_package_id IS NOT NULL)",
            name=op.f("ck_package_requests_package_change_has_target"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_package_requests_version_positive")),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_package_requests_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_package_requests_consumer_id_consumers"),
        ),
        sa.ForeignKeyConstraint(
            ["current_package_id"],
            ["packages.id"],
            name=op.f("fk_package_requests_current_package_id_packages"),
        ),
        sa.ForeignKeyConstraint(
            ["plant_id"], ["plants.id"], name=op.f("fk_package_requests_plant_id_plants")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_package_requests_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_package_id"],
            ["packages.id"],
            name=op.f("fk_package_requests_requested_package_id_packages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_requests")),
    )
    with op.batch_alter_table("package_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_package_requests_assignee_id_stage", ["assignee_id", "stage"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_package_requests_consumer_id"), ["consumer_id"], unique=False
        )
        batch_op.create_index(
            "ix_package_requests_plant_id_closed_at", ["plant_id", "closed_at"], unique=False
        )
        batch_op.create_index(
            "ix_package_requests_plant_id_created_at", ["plant_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_package_requests_plant_id_stage_created_at",
            ["plant_id", "stage", "created_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_package_requests_plant_id_updated_at", ["plant_id", "updated_at"], unique=False
        )
        batch_op.create_index("ix_package_requests_service", ["service"], unique=False)
        batch_op.create_index(
            "ix_package_requests_stage_created_at", ["stage", "created_at"], unique=False
        )
        batch_op.create_index(
            "uq_package_requests_open_consumer_id",
            ["consumer_id"],
            unique=True,
            sqlite_where=sa.text("stage IN ('REQUESTED', 'IN_PROCESS', 'REVIEW')"),
            postgresql_where=sa.text("stage IN ('REQUESTED', 'IN_PROCESS', 'REVIEW')"),
        )
        batch_op.create_index(
            "uq_package_requests_requested_by_id_idempotency_key",
            ["requested_by_id", "idempotency_key"],
            unique=True,
        )

    op.create_table(
        "scheme_enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("consumer_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("plant_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "ACTIVE",
                "CANCELLED",
                name="enrollment_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("total_price_minor", sa.Integer(), nullable=False),
        sa.Column("down_payment_minor", sa.Integer(), nullable=False),
        sa.Column("amount_paid_minor", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("enrolled_by_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("cancelled_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.CheckConstraint(
            "amount_paid_minor >= 0 AND amount_paid_minor <= total_price_minor",
            name=op.f("ck_scheme_enrollments_amount_paid_within_price"),
        ),
        sa.CheckConstraint(
            "down_payment_minor >= 0 AND down_payment_minor <= total_price_minor",
            name=op.f("ck_scheme_enrollments_down_payment_within_price"),
        ),
        sa.CheckConstraint(
            "total_price_minor > 0", name=op.f("ck_scheme_enrollments_total_price_positive")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["users.id"],
            name=op.f("fk_scheme_enrollments_cancelled_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_scheme_enrollments_consumer_id_consumers"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolled_by_id"],
            ["users.id"],
            name=op.f("fk_scheme_enrollments_enrolled_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["plant_id"], ["plants.id"], name=op.f("fk_scheme_enrollments_plant_id_plants")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_scheme_enrollments_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["schemes.id"], name=op.f("fk_scheme_enrollments_scheme_id_schemes")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_scheme_enrollments_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_enrollments")),
        sa.UniqueConstraint("scheme_code", name=op.f("uq_scheme_enrollments_scheme_code")),
    )
    with op.batch_alter_table("scheme_enrollments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheme_enrollments_consumer_id"), ["consumer_id"], unique=False
        )
        batch_op.create_index("ix_scheme_enrollments_enrolled_at", ["enrolled_at"], unique=False)
        batch_op.create_index(
            "ix_scheme_enrollments_plant_id_enrolled_at", ["plant_id", "enrolled_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scheme_enrollments_product_id"), ["product_id"], unique=False
        )
        batch_op.create_index(
            "ix_scheme_enrollments_scheme_id_enrolled_at",
            ["scheme_id", "enrolled_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_scheme_enrollments_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_scheme_enrollments_warehouse_id"), ["warehouse_id"], unique=False
        )
        batch_op.create_index(
            "uq_scheme_enrollments_enrolled_by_id_idempotency_key",
            ["enrolled_by_id", "idempotency_key"],
            unique=True,
        )

    op.create_table(
        "consumer_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("consumer_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "STATUS",
                "PACKAGE",
                name="consumer_history_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_status",
            sa.Enum(
                "ACTIVE", "BANNED", name="from_status", native_enum=False, create_constraint=True
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "ACTIVE", "BANNED", name="to_status", native_enum=False, create_constraint=True
            ),
            nullable=True,
        ),
        sa.Column("from_package_id", sa.Integer(), nullable=True),
        sa.Column("to_package_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.CheckConstraint(
            "(kind = 'STATUS' AND to_status IS NOT NULL) OR (kind = 'PACKAGE' AND to_package_id IS NOT NULL)",
            name=op.f("ck_consumer_history_kind_has_target"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_consumer_history_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["consumer_id"],
            ["consumers.id"],
            name=op.f("fk_consumer_history_consumer_id_consumers"),
        ),
        sa.ForeignKeyConstraint(
            ["from_package_id"],
            ["packages.id"],
            name=op.f("fk_consumer_history_from_package_id_packages"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["package_requests.id"],
            name=op.f("fk_consumer_history_request_id_package_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["to_package_id"],
            ["packages.id"],
            name=op.f("fk_consumer_history_to_package_id_packages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consumer_history")),
    )
    with op.batch_alter_table("consumer_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consumer_history_consumer_id_changed_at",
            ["consumer_id", "changed_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_consumer_history_kind_changed_at", ["kind", "changed_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consumer_history_request_id"), ["request_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "REQUEST_ASSIGNED",
                "REQUEST_UNASSIGNED",
                "REQUEST_PROCESSED",
                "REQUEST_SENT_BACK",
                "REQUEST_COMPLETED",
                "REQUEST_REJECTED",
                "REQUEST_CANCELLED",
                "PURCHASE_REQUESTED",
                "PURCHASE_APPROVED",
                "PURCHASE_REJECTED",
                name="notification_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("purchase_request_id", sa.Integer(), nullable=True),
        sa.Column(
            "outbox_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["outbox_event_id"],
            ["outbox_events.id"],
            name=op.f("fk_notifications_outbox_event_id_outbox_events"),
        ),
        sa.ForeignKeyConstraint(
            ["purchase_request_id"],
            ["purchase_requests.id"],
            name=op.f("fk_notifications_purchase_request_id_purchase_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["package_requests.id"],
            name=op.f("fk_notifications_request_id_package_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_purchase_request_id"),
            ["purchase_request_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index("ix_notifications_user_id_id", ["user_id", "id"], unique=False)
        batch_op.create_index(
            "ix_notifications_user_id_unread",
            ["user_id", "id"],
            unique=False,
            sqlite_where=sa.text("read_at IS NULL"),
            postgresql_where=sa.text("read_at IS NULL"),
        )

    op.create_table(
        "package_request_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "CREATE",
                "ASSIGN",
                "REASSIGN",
                "PROCESS",
                "COMPLETE",
                "SEND_BACK",
                "REJECT",
                "CANCEL",
                name="request_action",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "from_stage",
            sa.Enum(
                "REQUESTED",
                "IN_PROCESS",
                "REVIEW",
                "COMPLETED",
                "REJECTED",
                "CANCELLED",
                name="from_stage",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_stage",
            sa.Enum(
                "REQUESTED",
                "IN_PROCESS",
                "REVIEW",
                "COMPLETED",
                "REJECTED",
                "CANCELLED",
                name="to_stage",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_package_request_events_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_package_request_events_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["package_requests.id"],
            name=op.f("fk_package_request_events_request_id_package_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_request_events")),
    )
    with op.batch_alter_table("package_request_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_package_request_events_actor_id"), ["actor_id"], unique=False
        )
        batch_op.create_index(
            "ix_package_request_events_request_id_id", ["request_id", "id"], unique=False
        )

    op.create_table(
        "scheme_installments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("cumulative_due_minor", sa.Integer(), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_scheme_installments_amount_positive")),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_scheme_installments_sequence_positive")),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["scheme_enrollments.id"],
            name=op.f("fk_scheme_installments_enrollment_id_scheme_enrollments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_installments")),
        sa.UniqueConstraint(
            "enrollment_id", "sequence", name=op.f("uq_scheme_installments_enrollment_id_sequence")
        ),
    )
    with op.batch_alter_table("scheme_installments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scheme_installments_enrollment_id_due_date",
            ["enrollment_id", "due_date"],
            unique=False,
        )

    op.create_table(
        "scheme_payments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "DOWN_PAYMENT",
                "INSTALLMENT",
                name="payment_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("paid_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_minor > 0", name=op.f("ck_scheme_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["scheme_enrollments.id"],
            name=op.f("fk_scheme_payments_enrollment_id_scheme_enrollments"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_scheme_payments_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_payments")),
        sa.UniqueConstraint(
            "enrollment_id", "reference", name=op.f("uq_scheme_payments_enrollment_id_reference")
        ),
    )
    with op.batch_alter_table("scheme_payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scheme_payments_enrollment_id_paid_at", ["enrollment_id", "paid_at"], unique=False
        )
        batch_op.create_index("ix_scheme_payments_paid_at", ["paid_at"], unique=False)

    op.create_table(
        "stock_movements",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "RECEIPT",
                "ISSUE",
                "TRANSFER_OUT",
                "TRANSFER_IN",
                "ADJUSTMENT",
                name="movement_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("enrollment_id", sa.Integer(), nullable=True),
        sa.Column("purchase_request_id", sa.Integer(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind IN ('RECEIPT', 'TRANSFER_IN') AND quantity > 0) OR (kind IN ('ISSUE', 'TRANSFER_OUT') AND quantity < 0) OR kind = 'ADJUSTMENT'",
            name=op.f("ck_stock_movements_quantity_sign_matches_kind"),
        ),
        sa.CheckConstraint("quantity <> 0", name=op.f("ck_stock_movements_quantity_not_zero")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_stock_movements_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["scheme_enrollments.id"],
            name=op.f("fk_stock_movements_enrollment_id_scheme_enrollments"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_stock_movements_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["purchase_request_id"],
            ["purchase_requests.id"],
            name=op.f("fk_stock_movements_purchase_request_id_purchase_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_stock_movements_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movements")),
    )
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_movements_enrollment_id"), ["enrollment_id"], unique=False
        )
        batch_op.create_index(
            "ix_stock_movements_product_id_warehouse_id_id",
            ["product_id", "warehouse_id", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_stock_movements_purchase_request_id"),
            ["purchase_request_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_stock_movements_warehouse_id_id", ["warehouse_id", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movements_warehouse_id_id")
        batch_op.drop_index(batch_op.f("ix_stock_movements_purchase_request_id"))
        batch_op.drop_index("ix_stock_movements_product_id_warehouse_id_id")
        batch_op.drop_index(batch_op.f("ix_stock_movements_enrollment_id"))

    op.drop_table("stock_movements")
    with op.batch_alter_table("scheme_payments", schema=None) as batch_op:
        batch_op.drop_index("ix_scheme_payments_paid_at")
        batch_op.drop_index("ix_scheme_payments_enrollment_id_paid_at")

    op.drop_table("scheme_payments")
    with op.batch_alter_table("scheme_installments", schema=None) as batch_op:
        batch_op.drop_index("ix_scheme_installments_enrollment_id_due_date")

    op.drop_table("scheme_installments")
    with op.batch_alter_table("package_request_events", schema=None) as batch_op:
        batch_op.drop_index("ix_package_request_events_request_id_id")
        batch_op.drop_index(batch_op.f("ix_package_request_events_actor_id"))

    op.drop_table("package_request_events")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_notifications_user_id_unread",
            sqlite_where=sa.text("read_at IS NULL"),
            postgresql_where=sa.text("read_at IS NULL"),
        )
        batch_op.drop_index("ix_notifications_user_id_id")
        batch_op.drop_index(batch_op.f("ix_notifications_request_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_purchase_request_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("consumer_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consumer_history_request_id"))
        batch_op.drop_index("ix_consumer_history_kind_changed_at")
        batch_op.drop_index("ix_consumer_history_consumer_id_changed_at")

    op.drop_table("consumer_history")
    with op.batch_alter_table("scheme_enrollments", schema=None) as batch_op:
        batch_op.drop_index("uq_scheme_enrollments_enrolled_by_id_idempotency_key")
        batch_op.drop_index(batch_op.f("ix_scheme_enrollments_warehouse_id"))
        batch_op.drop_index(batch_op.f("ix_scheme_enrollments_status"))
        batch_op.drop_index("ix_scheme_enrollments_scheme_id_enrolled_at")
        batch_op.drop_index(batch_op.f("ix_scheme_enrollments_product_id"))
        batch_op.drop_index("ix_scheme_enrollments_plant_id_enrolled_at")
        batch_op.drop_index("ix_scheme_enrollments_enrolled_at")
        batch_op.drop_index(batch_op.f("ix_scheme_enrollments_consumer_id"))

    op.drop_table("scheme_enrollments")
    with op.batch_alter_table("package_requests", schema=None) as batch_op:
        batch_op.drop_index("uq_package_requests_requested_by_id_idempotency_key")
        batch_op.drop_index(
            "uq_package_requests_open_consumer_id",
            sqlite_where=sa.text("stage IN ('REQUESTED', 'IN_PROCESS', 'REVIEW')"),
            postgresql_where=sa.text("stage IN ('REQUESTED', 'IN_PROCESS', 'REVIEW')"),
        )
        batch_op.drop_index("ix_package_requests_stage_created_at")
        batch_op.drop_index("ix_package_requests_service")
        batch_op.drop_index("ix_package_requests_plant_id_updated_at")
        batch_op.drop_index("ix_package_requests_plant_id_stage_created_at")
        batch_op.drop_index("ix_package_requests_plant_id_created_at")
        batch_op.drop_index("ix_package_requests_plant_id_closed_at")
        batch_op.drop_index(batch_op.f("ix_package_requests_consumer_id"))
        batch_op.drop_index("ix_package_requests_assignee_id_stage")

    op.drop_table("package_requests")
    with op.batch_alter_table("user_plants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_plants_plant_id"))

    op.drop_table("user_plants")
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_family_id"))

    op.drop_table("refresh_tokens")
    with op.batch_alter_table("purchase_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_requests_warehouse_id_created_at")
        batch_op.drop_index("ix_purchase_requests_status_created_at")
        batch_op.drop_index(batch_op.f("ix_purchase_requests_requested_by_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_requests_product_id"))

    op.drop_table("purchase_requests")
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_topic_id")
        batch_op.drop_index("ix_outbox_events_plant_id_id")

    op.drop_table("outbox_events")
    with op.batch_alter_table("consumers", schema=None) as batch_op:
        batch_op.drop_index("ix_consumers_plant_id_status_name_id")
        batch_op.drop_index("ix_consumers_plant_id_name_id")
        batch_op.drop_index(batch_op.f("ix_consumers_phone"))
        batch_op.drop_index(batch_op.f("ix_consumers_package_id"))
        batch_op.drop_index(batch_op.f("ix_consumers_name"))

    op.drop_table("consumers")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_state_id"))
        batch_op.drop_index("ix_users_role_active")
        batch_op.drop_index(batch_op.f("ix_users_cluster_id"))

    op.drop_table("users")
    with op.batch_alter_table("stock_levels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_levels_warehouse_id"))

    op.drop_table("stock_levels")
    with op.batch_alter_table("scheme_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheme_states_state_id"))

    op.drop_table("scheme_states")
    with op.batch_alter_table("plants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plants_cluster_id"))

    op.drop_table("plants")
    with op.batch_alter_table("warehouses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_warehouses_state_id"))

    op.drop_table("warehouses")
    with op.batch_alter_table("schemes", schema=None) as batch_op:
        batch_op.drop_index("ix_schemes_scheme_type_valid_from")
        batch_op.drop_index(batch_op.f("ix_schemes_product_id"))

    op.drop_table("schemes")
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clusters_state_id"))

    op.drop_table("clusters")
    op.drop_table("states")
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_product_type"))

    op.drop_table("products")
    with op.batch_alter_table("packages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_packages_active"))

    op.drop_table("packages")
