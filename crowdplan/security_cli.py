"""Security commands: `rotate-data-key` and `verify-audit` (see README, Security)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import func, or_, select
from sqlalchemy.orm.attributes import flag_modified

from crowdplan.audit.models import AuditRecord, first_broken_record
from crowdplan.auth.models import User
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion

ENCRYPTED = ((User, ("email", "phone")), (Suggestion, ("contact_phone", "contact_email")))


def rotate_contact_encryption() -> dict[str, int]:
    """Re-encrypt every contact detail (and its blind index) under the newest key."""
    counts = {}
    for model, fields in ENCRYPTED:
        columns = [getattr(model, name) for name in fields]
        rows = db.session.scalars(select(model).where(or_(*(c.is_not(None) for c in columns))))
        counts[model.__tablename__] = 0
        for row in rows:
            for name in fields:
                value = getattr(row, name)
                if value is not None:
                    # Assigning the same plaintext re-runs the index event; flag_modified makes
                    # the UPDATE happen, and the column type encrypts with the newest key.
                    setattr(row, name, value)
                    flag_modified(row, name)
            counts[model.__tablename__] += 1
    db.session.flush()
    return counts


@click.command("rotate-data-key")
@with_appcontext
def rotate_data_key() -> None:
    """Re-encrypt contact details with the newest key of CROWDPLAN_DATA_KEYS."""
    counts = rotate_contact_encryption()
    db.session.commit()
    click.echo(", ".join(f"{n} {table}" for table, n in counts.items()) + " re-encrypted")


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check the audit log's hash chain; exit 1 naming the first broken record."""
    broken = first_broken_record()
    if broken is not None:
        click.echo(f"BROKEN: audit record {broken} does not match the chain")
        raise SystemExit(1)
    total = db.session.scalar(select(func.count()).select_from(AuditRecord))
    click.echo(f"OK: {total} audit records, chain intact")
