"""Flags cleared by a moderator (kept, so the same people cannot hide it again); one suggestion
per form shown (suggestions.form_token, unique)

Revision ID: 0012_abuse_identities
Revises: 0011_rectify_days
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_abuse_identities"
down_revision = "0011_rectify_days"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN and a unique index, not batch mode (see 0004: a batch rebuild of a
    # SpatiaLite table with a geometry column loses its spatial metadata).
    op.add_column("suggestion_flags", sa.Column("cleared_at", sa.DateTime(), nullable=True))
    op.add_column("suggestions", sa.Column("form_token", sa.String(length=64), nullable=True))
    op.create_index("ix_suggestions_form_token", "suggestions", ["form_token"], unique=True)
    # Until now every report counted towards hiding; from here only accounts' reports do.
    op.execute(
        "UPDATE suggestions SET flag_count = (SELECT count(*) FROM suggestion_flags f"
        " WHERE f.suggestion_id = suggestions.id AND f.user_id IS NOT NULL)"
    )


def downgrade():
    op.drop_index("ix_suggestions_form_token", table_name="suggestions")
    op.execute("ALTER TABLE suggestions DROP COLUMN form_token")
    op.execute("ALTER TABLE suggestion_flags DROP COLUMN cleared_at")
