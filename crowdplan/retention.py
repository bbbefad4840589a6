"""Retention of contact details (PIPL 个人信息保护法 Art. 19: kept no longer than needed).

A case's phone number and e-mail address are needed while the department answers it. Once it
has been closed (已办结, 不予受理) for CONTACT_RETENTION_DAYS, or the case it was merged into
has, `flask --app crowdplan purge-contacts` erases them (NULL, with the blind index); the
suggestion itself stays a public record. deploy/crowdplan-purge-contacts.timer runs it daily.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from crowdplan import transactions
from crowdplan.audit.models import record
from crowdplan.core.models import utcnow
from crowdplan.extensions import db
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage.workflow import Status

ERASED = {
    "contact_phone": None,
    "contact_email": None,
    "contact_email_index": None,
}


def has_contacts() -> ColumnElement[bool]:
    """The suggestion still holds a contact detail (or its blind index)."""
    return or_(
        Suggestion.contact_phone.is_not(None),
        Suggestion.contact_email.is_not(None),
        Suggestion.contact_email_index.is_not(None),
    )


def closed_before(cutoff: datetime) -> ColumnElement[bool]:
    """Closed or not accepted before `cutoff`; or merged into a case closed before it (the
    merged author is answered by that case, so their contact is needed until it closes)."""
    target = aliased(Suggestion)
    done = (Status.CLOSED.value, Status.NOT_ACCEPTED.value)
    target_closed = exists().where(
        target.id == Suggestion.merged_into_id,
        target.status.in_(done),
        target.closed_at < cutoff,
    )
    return or_(
        and_(Suggestion.status.in_(done), Suggestion.closed_at < cutoff),
        and_(Suggestion.status == Status.MERGED.value, target_closed),
    )


def list_expired_ids(now: datetime, days: int) -> list[int]:
    """Ids of the suggestions whose contact details are past the retention period."""
    query = select(Suggestion.id).where(has_contacts(), closed_before(now - timedelta(days=days)))
    return list(db.session.scalars(query.order_by(Suggestion.id)))


def erase_contacts(ids: list[int], now: datetime) -> None:
    """Erase the contact details of these suggestions (a bulk UPDATE; no listener runs)."""
    if ids:
        db.session.execute(
            update(Suggestion)
            .where(Suggestion.id.in_(ids))
            .values(**ERASED, contacts_erased_at=now)
            .execution_options(synchronize_session="fetch")
        )


def purge_contacts(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Erase the contacts of cases closed longer than the retention period; audited. Flushes
    (the caller commits). A dry run only counts them."""
    now = now or utcnow()
    days = current_app.config["CONTACT_RETENTION_DAYS"]
    if not dry_run:
        transactions.begin_write(db.session)
    ids = list_expired_ids(now, days)
    if dry_run:
        return len(ids)
    erase_contacts(ids, now)
    record(
        "contacts_purged",
        None,
        object_type="suggestions",
        to_state=str(len(ids)),
        reason=f"closed more than {days} days ago",
    )
    return len(ids)


@click.command("purge-contacts")
@click.option("--dry-run", is_flag=True, help="Only count the cases; erase nothing.")
@with_appcontext
def purge_contacts_command(dry_run: bool) -> None:
    """Erase contact details of cases closed longer than CONTACT_RETENTION_DAYS (run daily)."""
    count = purge_contacts(dry_run=dry_run)
    days = current_app.config["CONTACT_RETENTION_DAYS"]
    if dry_run:
        db.session.rollback()
        click.echo(f"{count} cases closed more than {days} days ago still hold contact details")
        return
    db.session.commit()
    click.echo(f"contact details of {count} cases closed more than {days} days ago erased")
