"""encrypt contact details, blind indexes, session tokens, audit hash chain

Revision ID: 0009_encrypt_contacts
Revises: 0008_api_keys
Create Date: 2026-11-30 00:51:05.673991

Existing rows are migrated: contact details are encrypted with the newest key of
CROWDPLAN_DATA_KEYS (the app's config, so `flask db upgrade` needs the key), their blind
indexes computed, every account gets a session token, and the existing audit records are
chained in id order. `users` and `audit_records` are rebuilt in batch mode on SQLite (no
geometry there); `suggestions` is changed with plain ALTERs (its geometry breaks on a rebuild).
"""

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, MultiFernet
from flask import current_app

# revision identifiers, used by Alembic.
revision = "0009_encrypt_contacts"
down_revision = "0008_api_keys"
branch_labels = None
depends_on = None

users = sa.table(
    "users",
    sa.column("id", sa.Integer),
    sa.column("email", sa.Text),
    sa.column("phone", sa.Text),
    sa.column("email_index", sa.String),
    sa.column("phone_index", sa.String),
    sa.column("session_token", sa.String),
)
audit = sa.table(
    "audit_records",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.DateTime()),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.Integer),
    sa.column("from_state", sa.String),
    sa.column("to_state", sa.String),
    sa.column("reason", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
CONTACTS = ("contact_phone", "contact_email")
GENESIS = "0" * 64
# Frozen copies of crowdplan.crypto and crowdplan.audit.models as of this revision: a migration
# must give the same result whatever the app code becomes later.
_CHAINED = ("id", "created_at", "actor_id", "action", "object_type", "object_id")
_CHAINED += ("from_state", "to_state", "reason")


def _keys() -> list[str]:
    keys = [k.strip() for k in (current_app.config.get("CROWDPLAN_DATA_KEYS") or "").split(",")]
    keys = [k for k in keys if k]
    if not keys:
        raise RuntimeError("CROWDPLAN_DATA_KEYS must be set to encrypt the contact details.")
    return keys


def _seal(value):
    return None if value is None else Fernet(_keys()[0]).encrypt(value.encode()).decode()


def _open(value):
    fernet = MultiFernet([Fernet(k) for k in _keys()])
    return None if value is None else fernet.decrypt(value.encode()).decode()


def _blind_index(value):
    if not value:
        return None
    key = hmac.new(base64.urlsafe_b64decode(_keys()[0]), b"crowdplan blind index v1", "sha256")
    value = value.strip()
    value = value.lower() if "@" in value else value.replace(" ", "").replace("-", "")
    return hmac.new(key.digest(), value.encode(), hashlib.sha256).hexdigest()


def _chain_hash(previous: str, row) -> str:
    values = [getattr(row, name) for name in _CHAINED]
    # Stored as naive UTC on both backends.
    values[1] = values[1].replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    content = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(previous.encode("ascii") + content).hexdigest()


def upgrade():
    conn = op.get_bind()
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_index", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("phone_index", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
        batch.alter_column("email", existing_type=sa.String(length=254), type_=sa.Text())
        batch.alter_column("phone", existing_type=sa.String(length=20), type_=sa.Text())
        batch.drop_constraint("uq_users_email", type_="unique")
        batch.drop_constraint("uq_users_phone", type_="unique")
        batch.create_unique_constraint("uq_users_email_index", ["email_index"])
        batch.create_unique_constraint("uq_users_phone_index", ["phone_index"])
    for row in conn.execute(sa.select(users.c.id, users.c.email, users.c.phone)).all():
        conn.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(
                email=_seal(row.email),
                phone=_seal(row.phone),
                email_index=_blind_index(row.email),
                phone_index=_blind_index(row.phone),
                session_token=secrets.token_hex(32),
            )
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("session_token", existing_type=sa.String(length=64), nullable=False)

    op.add_column("suggestions", sa.Column("contact_email_index", sa.String(64), nullable=True))
    for name in CONTACTS:
        op.add_column("suggestions", sa.Column(f"{name}_new", sa.Text(), nullable=True))
    rows = conn.execute(sa.text("SELECT id, contact_phone, contact_email FROM suggestions"))
    for row in rows.all():
        conn.execute(
            sa.text(
                "UPDATE suggestions SET contact_phone_new = :phone, contact_email_new = :email, "
                "contact_email_index = :idx WHERE id = :id"
            ),
            {
                "phone": _seal(row.contact_phone),
                "email": _seal(row.contact_email),
                "idx": _blind_index(row.contact_email),
                "id": row.id,
            },
        )
    _swap_columns()

    with op.batch_alter_table("audit_records") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch.alter_column("object_id", existing_type=sa.Integer(), nullable=True)
    previous = GENESIS
    for row in conn.execute(sa.select(audit).order_by(audit.c.id)).all():
        digest = _chain_hash(previous, row)
        conn.execute(
            audit.update().where(audit.c.id == row.id).values(prev_hash=previous, hash=digest)
        )
        previous = digest
    with op.batch_alter_table("audit_records") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)


def _swap_columns():
    """Replace contact_* by contact_*_new (plain ALTERs: no rebuild of the geometry table)."""
    for name in CONTACTS:
        op.execute(f"ALTER TABLE suggestions DROP COLUMN {name}")
        op.execute(f"ALTER TABLE suggestions RENAME COLUMN {name}_new TO {name}")


def downgrade():
    conn = op.get_bind()
    with op.batch_alter_table("audit_records") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    # Audit records about rows that do not exist (failed sign-ins) cannot go back.
    op.execute("DELETE FROM audit_records WHERE object_id IS NULL")
    with op.batch_alter_table("audit_records") as batch:
        batch.alter_column("object_id", existing_type=sa.Integer(), nullable=False)

    op.add_column("suggestions", sa.Column("contact_phone_new", sa.String(20), nullable=True))
    op.add_column("suggestions", sa.Column("contact_email_new", sa.String(254), nullable=True))
    rows = conn.execute(sa.text("SELECT id, contact_phone, contact_email FROM suggestions"))
    for row in rows.all():
        conn.execute(
            sa.text(
                "UPDATE suggestions SET contact_phone_new = :phone, contact_email_new = :email "
                "WHERE id = :id"
            ),
            {"phone": _open(row.contact_phone), "email": _open(row.contact_email), "id": row.id},
        )
    _swap_columns()
    op.execute("ALTER TABLE suggestions DROP COLUMN contact_email_index")

    for row in conn.execute(sa.select(users.c.id, users.c.email, users.c.phone)).all():
        conn.execute(
            users.update()
            .where(users.c.id == row.id)
            .values(email=_open(row.email), phone=_open(row.phone))
        )
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_phone_index", type_="unique")
        batch.drop_constraint("uq_users_email_index", type_="unique")
        batch.alter_column("phone", existing_type=sa.Text(), type_=sa.String(length=20))
        batch.alter_column("email", existing_type=sa.Text(), type_=sa.String(length=254))
        batch.create_unique_constraint("uq_users_phone", ["phone"])
        batch.create_unique_constraint("uq_users_email", ["email"])
        batch.drop_column("session_token")
        batch.drop_column("phone_index")
        batch.drop_column("email_index")
