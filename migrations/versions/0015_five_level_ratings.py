"""five_level_ratings: the 好差评 scale needs 16 characters; follow-up calls (回访) after bad ratings

Revision ID: 0015_five_level_ratings
Revises: 0014_official_calendar
Create Date: 2026-12-03 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_five_level_ratings"
down_revision = "0014_official_calendar"
branch_labels = None
depends_on = None


def _set_rating_length(length: int) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("suggestions", "rating", type_=sa.String(length))
        return
    # SQLite: no ALTER COLUMN TYPE, and batch mode would rebuild a table with a geometry column
    # (see 0004), so the values move to a new column that takes the old one's name.
    op.add_column("suggestions", sa.Column("rating_resized", sa.String(length), nullable=True))
    op.execute("UPDATE suggestions SET rating_resized = rating")
    op.execute("ALTER TABLE suggestions DROP COLUMN rating")
    op.execute("ALTER TABLE suggestions RENAME COLUMN rating_resized TO rating")


def upgrade():
    # The three old codes (satisfied, basic, unsatisfied) keep their meaning on the five-level
    # scale, so existing ratings stay as they are; no callback is invented for old ratings.
    _set_rating_length(16)
    op.create_table(
        "rating_callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["suggestion_id"],
            ["suggestions.id"],
            name=op.f("fk_rating_callbacks_suggestion_id_suggestions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_rating_callbacks_done_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_callbacks")),
    )
    op.create_index("ix_rating_callbacks_open", "rating_callbacks", ["done_at", "due_at"])


def downgrade():
    op.drop_index("ix_rating_callbacks_open", table_name="rating_callbacks")
    op.drop_table("rating_callbacks")
    # The three-level scale has no extremes: they fold into their neighbours.
    op.execute("UPDATE suggestions SET rating = 'satisfied' WHERE rating = 'very_satisfied'")
    op.execute("UPDATE suggestions SET rating = 'unsatisfied' WHERE rating = 'very_unsatisfied'")
    _set_rating_length(12)
