"""Moderators' pages: the review queue, blocked words, and the review-before-publish setting."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crowdplan.audit.models import record
from crowdplan.auth import policy
from crowdplan.auth.permissions import Permission
from crowdplan.auth.staff import staff_blueprint
from crowdplan.errors import AppError
from crowdplan.extensions import db
from crowdplan.suggestions import operations as ops
from crowdplan.suggestions import reactions
from crowdplan.suggestions.forms import BlockedWordForm, ModerationForm, ReviewModeForm
from crowdplan.suggestions.models import BlockedWord, Suggestion

bp = staff_blueprint("moderation", __name__, url_prefix="/staff/moderation")


@bp.before_request
def _moderators_only():
    if not policy.can_moderate(current_user):
        abort(403)


@bp.get("/")
def queue():
    """Suggestions waiting for a moderator, and reported ones still shown, oldest first."""
    held = reactions.review_queue()
    mode_form = ReviewModeForm(mode=ops.get_review_mode())
    return render_template(
        "suggestions/moderation.html",
        held=held,
        form=ModerationForm(),
        mode_form=mode_form,
        word_form=BlockedWordForm(),
        words=db.session.scalars(select(BlockedWord).order_by(BlockedWord.word)).all(),
        permission_administer=Permission.ADMINISTER,
        permission_triage=Permission.TRIAGE,
    )


@bp.post("/<int:suggestion_id>")
def decide(suggestion_id: int):
    """Approve, hide or edit one suggestion."""
    suggestion = db.session.get(Suggestion, suggestion_id) or abort(404)
    form = ModerationForm()
    if not form.validate_on_submit():
        raise AppError(_("Please check the form."), code="invalid_form")
    reactions.moderate(
        suggestion,
        actor=current_user,
        action=form.action.data,
        reason=form.reason.data or "",
        new_text=form.new_text.data,
    )
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".queue"))


@bp.post("/words")
def add_word():
    """Add a blocked word or phrase."""
    form = BlockedWordForm()
    if not form.validate_on_submit():
        raise AppError(_("Please check the form."), code="invalid_form")
    word = form.word.data.strip()
    if not db.session.scalar(select(BlockedWord).where(BlockedWord.word == word)):
        entry = BlockedWord(word=word)
        db.session.add(entry)
        db.session.flush()
        record("blocked_word_added", entry, actor=current_user, reason=word)
    db.session.commit()
    return redirect(url_for(".queue"))


@bp.post("/words/<int:word_id>/delete")
def delete_word(word_id: int):
    """Remove a blocked word."""
    entry = db.session.get(BlockedWord, word_id) or abort(404)
    record("blocked_word_removed", entry, actor=current_user, reason=entry.word)
    db.session.delete(entry)
    db.session.commit()
    return redirect(url_for(".queue"))


@bp.post("/mode")
def set_mode():
    """Change the review-before-publish setting (admins only)."""
    if not policy.can_administer(current_user):
        abort(403)
    form = ReviewModeForm()
    if not form.validate_on_submit():
        raise AppError(_("Please check the form."), code="invalid_form")
    ops.set_review_mode(form.mode.data, actor=current_user)
    db.session.commit()
    flash(_("Saved."), "success")
    return redirect(url_for(".queue"))
