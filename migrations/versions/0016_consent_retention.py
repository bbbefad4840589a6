"""consent_retention: PIPL consent (users, guest suggestions), deleted accounts, erased contacts

Revision ID: 0016_consent_retention
Revises: 0015_five_level_ratings
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_consent_retention"
down_revision = "0015_five_level_ratings"
branch_labels = None
depends_on = None

OLD_CHECK = "email IS NOT NULL OR phone IS NOT NULL"
NEW_CHECK = "email IS NOT NULL OR phone IS NOT NULL OR deleted_at IS NOT NULL"


def upgrade():
    # users has no geometry: batch mode is safe there (env.py turns SQLite's foreign keys off
    # for the rebuild). A deleted account keeps its row without a login, so the check widens.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("consent_version", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("consent_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
        batch.drop_constraint(op.f("ck_users_has_login"), type_="check")
        batch.create_check_constraint(op.f("ck_users_has_login"), NEW_CHECK)
    # suggestions has a geometry column: plain ADD COLUMN, never a batch rebuild (see 0004).
    op.add_column("suggestions", sa.Column("contacts_erased_at", sa.DateTime(), nullable=True))
    op.add_column("suggestions", sa.Column("consent_version", sa.String(length=20), nullable=True))
    op.add_column("suggestions", sa.Column("consent_at", sa.DateTime(), nullable=True))
    # Existing accounts and suggestions have no recorded consent: left NULL, not invented.


def downgrade():
    for column in ("consent_at", "consent_version", "contacts_erased_at"):
        op.execute(f"ALTER TABLE suggestions DROP COLUMN {column}")
    # A deleted account fails the old check: the downgrade stops on a database that has one.
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_has_login"), type_="check")
        batch.create_check_constraint(op.f("ck_users_has_login"), OLD_CHECK)
        batch.drop_column("deleted_at")
        batch.drop_column("consent_at")
        batch.drop_column("consent_version")
