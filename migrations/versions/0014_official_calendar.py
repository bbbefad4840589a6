"""official_calendar: official days (holidays, make-up working days), covered years, and the
history of the time limits

Revision ID: 0014_official_calendar
Revises: 0013_api_key_departments
Create Date: 2026-12-02 12:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_official_calendar"
down_revision = "0013_api_key_departments"
branch_labels = None
depends_on = None


def _changed(table: str) -> list:
    return [
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"], ["users.id"], name=op.f(f"fk_{table}_changed_by_id_users")
        ),
    ]


def upgrade():
    # No rows here: `flask --app crowdplan calendar seed` (run by `make run`, `make serve` and
    # the systemd unit) fills the years chinesecalendar covers, so a newer package release
    # reaches a running site without a migration.
    op.create_table(
        "official_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        *_changed("official_days"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_days")),
        sa.UniqueConstraint("day", name=op.f("uq_official_days_day")),
    )
    op.create_table(
        "calendar_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        *_changed("calendar_years"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_years")),
        sa.UniqueConstraint("year", name=op.f("uq_calendar_years_year")),
    )
    op.create_table(
        "time_limit_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("before", sa.Integer(), nullable=True),
        sa.Column("after", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_time_limit_changes_changed_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_time_limit_changes")),
    )
    op.create_index(
        "ix_time_limit_changes_object", "time_limit_changes", ["object_type", "object_id"]
    )


def downgrade():
    op.drop_index("ix_time_limit_changes_object", table_name="time_limit_changes")
    op.drop_table("time_limit_changes")
    op.drop_table("calendar_years")
    op.drop_table("official_days")
