"""topics.rectify_days: the working days to answer again after an unsatisfied author reopens

Revision ID: 0011_rectify_days
Revises: 0010_mail_outbox
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011_rectify_days"
down_revision = "0010_mail_outbox"
branch_labels = None
depends_on = None


def upgrade():
    # 好差评 (国办发〔2019〕51号): a bad rating is rectified within a limit; 5 working days unless
    # the bureau sets another per topic. Plain ADD COLUMN (see 0004 on batch mode).
    op.add_column(
        "topics",
        sa.Column("rectify_days", sa.Integer(), nullable=False, server_default="5"),
    )


def downgrade():
    op.execute("ALTER TABLE topics DROP COLUMN rectify_days")
