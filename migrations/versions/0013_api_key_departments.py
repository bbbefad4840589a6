"""api_key_departments: the departments a staff-read API key is limited to

Revision ID: 0013_api_key_departments
Revises: 0012_abuse_identities
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_api_key_departments"
down_revision = "0012_abuse_identities"
branch_labels = None
depends_on = None


def upgrade():
    # No rows: every existing key stays unlimited, as it was.
    op.create_table(
        "api_key_departments",
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"],
            ["api_keys.id"],
            name=op.f("fk_api_key_departments_api_key_id_api_keys"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_api_key_departments_department_id_departments"),
        ),
        sa.PrimaryKeyConstraint("api_key_id", "department_id", name=op.f("pk_api_key_departments")),
    )


def downgrade():
    op.drop_table("api_key_departments")
