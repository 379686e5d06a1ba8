"""The catalogue: agencies, offices, services, their channels, costs, documents, categories and life events.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 17:17:44.121540
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("acronym", sa.String(length=100), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("website", sa.String(length=2000), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["agencies.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agencies_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "categories",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("code", sa.String(length=100), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.String(length=64), nullable=True),
        sa.Column("taxonomy", sa.String(length=300), nullable=True),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["categories.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_categories_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "life_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "offices",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("street", sa.String(length=300), nullable=True),
        sa.Column("locality", sa.String(length=300), nullable=True),
        sa.Column("city", sa.String(length=300), nullable=True),
        sa.Column("region", sa.String(length=300), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("accessibility", sa.Text(), nullable=True),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offices_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "services",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Enum("draft", "published", "retired", name="service_status"), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("alternate_names", JSON_TYPE, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("eligibility", sa.Text(), nullable=True),
        sa.Column("processing_time", sa.Text(), nullable=True),
        sa.Column("how_to_apply", sa.Text(), nullable=True),
        sa.Column("last_reviewed", sa.Date(), nullable=True),
        sa.Column("keywords", JSON_TYPE, nullable=False),
        sa.Column("replaced_by_id", sa.String(length=64), nullable=True),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["replaced_by_id"], ["services.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_services_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_services_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_services_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "costs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=True),
        sa.Column("amount", sa.Numeric(precision=16, scale=4), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("costs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_costs_service_id"), ["service_id"], unique=False)

    op.create_table(
        "delivery_channels",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("online", "phone", "sms", "email", name="channel_kind"), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("delivery_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_channels_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_channels_service_id"), ["service_id"], unique=False)

    op.create_table(
        "opening_hours",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("days", JSON_TYPE, nullable=False),
        sa.Column("opens", sa.Time(), nullable=False),
        sa.Column("closes", sa.Time(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("opening_hours", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opening_hours_office_id"), ["office_id"], unique=False)

    op.create_table(
        "required_documents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("required_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_required_documents_service_id"), ["service_id"], unique=False)

    op.create_table(
        "service_categories",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("category_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "category_id"),
    )
    with op.batch_alter_table("service_categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_categories_category_id"), ["category_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_categories_service_id"), ["service_id"], unique=False)

    op.create_table(
        "service_life_events",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("life_event_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["life_event_id"], ["life_events.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "life_event_id"),
    )
    with op.batch_alter_table("service_life_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_life_events_life_event_id"), ["life_event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_life_events_service_id"), ["service_id"], unique=False)

    op.create_table(
        "service_offices",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("extra", JSON_TYPE, nullable=False),
        sa.Column("translations", JSON_TYPE, nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["offices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "office_id"),
    )
    with op.batch_alter_table("service_offices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_service_offices_office_id"), ["office_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_service_offices_service_id"), ["service_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("service_offices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_offices_service_id"))
        batch_op.drop_index(batch_op.f("ix_service_offices_office_id"))

    op.drop_table("service_offices")
    with op.batch_alter_table("service_life_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_life_events_service_id"))
        batch_op.drop_index(batch_op.f("ix_service_life_events_life_event_id"))

    op.drop_table("service_life_events")
    with op.batch_alter_table("service_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_service_categories_service_id"))
        batch_op.drop_index(batch_op.f("ix_service_categories_category_id"))

    op.drop_table("service_categories")
    with op.batch_alter_table("required_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_required_documents_service_id"))

    op.drop_table("required_documents")
    with op.batch_alter_table("opening_hours", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opening_hours_office_id"))

    op.drop_table("opening_hours")
    with op.batch_alter_table("delivery_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_channels_service_id"))
        batch_op.drop_index(batch_op.f("ix_delivery_channels_kind"))

    op.drop_table("delivery_channels")
    with op.batch_alter_table("costs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_costs_service_id"))

    op.drop_table("costs")
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_services_updated_at"))
        batch_op.drop_index(batch_op.f("ix_services_status"))
        batch_op.drop_index(batch_op.f("ix_services_agency_id"))

    op.drop_table("services")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offices_agency_id"))

    op.drop_table("offices")
    op.drop_table("life_events")
    with op.batch_alter_table("categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_categories_parent_id"))

    op.drop_table("categories")
    with op.batch_alter_table("agencies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agencies_parent_id"))

    op.drop_table("agencies")
    # PostgreSQL keeps enum types apart from the tables that used them.
    sa.Enum(name="channel_kind").drop(op.get_bind(), checkfirst=True)
    sa.Enum(name="service_status").drop(op.get_bind(), checkfirst=True)
