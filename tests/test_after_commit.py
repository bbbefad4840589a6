"""Side effects follow the transaction: mail and photo files only for what was committed."""

from __future__ import annotations

import io
import sqlite3
from datetime import timedelta
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select

from crowdplan.core.models import utcnow
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.mail import read_outbox
from crowdplan.notifications.models import OutboxMessage
from crowdplan.suggestions import operations as ops
from crowdplan.suggestions.models import Suggestion
from crowdplan.triage import escalation, notify
from tests.suggest_helpers import post_suggestion


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(out, "JPEG")
    return out.getvalue()


def _files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "photos"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_rolled_back_suggestion_leaves_no_photos_and_sends_no_mail(
    demo, client, auth, monkeypatch
):
    queued = []

    def notify_then_fail(suggestion):
        real_notify(suggestion)
        queued.append(suggestion.id)
        raise AppError("refused after the photos were written and the mail queued")

    real_notify = notify.department_assigned
    monkeypatch.setattr(notify, "department_assigned", notify_then_fail)
    auth.login_as("citizen")
    files, mails = _files(demo), len(read_outbox(Path(demo.config["MAIL_OUTBOX"])))

    response = post_suggestion(client, photos=[(_jpeg(), "a.jpg"), (_jpeg(), "b.jpg")])

    assert response.status_code == 400 and len(queued) == 1
    assert _count(demo, Suggestion) == 0 and _count(demo, OutboxMessage) == 0
    assert _files(demo) == files
    assert len(read_outbox(Path(demo.config["MAIL_OUTBOX"]))) == mails


def test_a_committed_suggestion_keeps_its_photos_and_mails_the_department(demo, client, auth):
    auth.login_as("citizen")
    files = _files(demo)
    assert post_suggestion(client, photos=[(_jpeg(), "a.jpg")]).status_code == 302
    assert len(_files(demo)) == len(files) + 2  # the photo and its thumbnail
    with demo.app_context():
        (row,) = db.session.scalars(select(OutboxMessage))
        assert row.status == "sent" and row.subject


def test_photos_are_re_encoded_before_the_write_lock(demo, client, auth, monkeypatch, backend):
    real_prepare, seen = ops.prepare_photo, []

    def prepare_and_probe(raw):
        if backend == "spatialite":
            # Another connection gets the write lock at once: this request does not hold it.
            probe = sqlite3.connect(demo.config["SQLALCHEMY_DATABASE_URI"][10:], timeout=0)
            probe.isolation_level = None
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            probe.close()
        seen.append(raw)
        return real_prepare(raw)

    monkeypatch.setattr(ops, "prepare_photo", prepare_and_probe)
    auth.login_as("citizen")
    assert post_suggestion(client, photos=[(_jpeg(), "a.jpg")]).status_code == 302
    assert len(seen) == 1 and _count(demo, Suggestion) == 1


def test_overlapping_escalation_runs_mail_once(demo, client, auth, monkeypatch):
    auth.login_as("citizen")
    post_suggestion(client)
    outbox = Path(demo.config["MAIL_OUTBOX"])
    with demo.app_context():
        suggestion = db.session.scalars(select(Suggestion)).one()
        suggestion.reply_due_at = utcnow() - timedelta(hours=1)
        db.session.commit()
        before = len(read_outbox(outbox))
        # A second run that listed the case before the first committed: the claim decides.
        stale = escalation.list_overdue(utcnow())
        assert escalation.escalate_overdue() == 1
        db.session.commit()
        monkeypatch.setattr(escalation, "list_overdue", lambda now: stale)
        assert escalation.escalate_overdue() == 0
        db.session.commit()
        mails = read_outbox(outbox)[before:]
    assert sorted(m["To"] for m in mails) == ["admin@demo.crowdplan", "head@demo.crowdplan"]
