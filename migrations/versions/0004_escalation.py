"""suggestions.escalated_at

Revision ID: 0004_escalation
Revises: 0003_suggestions_routing
Create Date: 2026-11-29 23:21:36.405158

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004_escalation'
down_revision = '0003_suggestions_routing'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTERs, not batch mode: a batch rebuild of a SpatiaLite table with a geometry column
    # loses its spatial metadata and trips its triggers. SQLite >= 3.35 and PostgreSQL both
    # support ADD COLUMN and DROP COLUMN directly.
    op.add_column("suggestions", sa.Column("escalated_at", sa.DateTime(), nullable=True))


def downgrade():
    op.execute("ALTER TABLE suggestions DROP COLUMN escalated_at")
