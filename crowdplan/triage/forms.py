"""Planner forms on a suggestion."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ReplyForm(FlaskForm):
    """The public reply."""

    text = TextAreaField(_l("Public reply"), validators=[DataRequired(), Length(max=5000)])


class CloseForm(FlaskForm):
    """Close with an adoption decision and its public reason."""

    decision = SelectField(_l("Adoption decision"), validators=[Optional()])
    reason = TextAreaField(_l("Reason (public)"), validators=[Optional(), Length(max=2000)])


class StatusForm(FlaskForm):
    """Move to another status."""

    status = SelectField(_l("New status"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class TransferForm(FlaskForm):
    """Transfer to another department (转办)."""

    department = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class MergeForm(FlaskForm):
    """Merge into another suggestion."""

    into = IntegerField(_l("Merge into suggestion number"), validators=[DataRequired()])
    # Required, but checked by the operation so the refusal says what is missing.
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class NoteForm(FlaskForm):
    """An internal note."""

    text = TextAreaField(
        _l("Internal note (staff only)"), validators=[DataRequired(), Length(max=2000)]
    )


class RateForm(FlaskForm):
    """The author's rating."""

    rating = SelectField(_l("How satisfied are you with the reply?"), validators=[DataRequired()])


class CallbackForm(FlaskForm):
    """The follow-up call (回访) after a bad rating: what it found, in a note for the author."""

    callback_id = HiddenField(validators=[DataRequired()])
    outcome = SelectField(_l("Outcome of the call"), validators=[DataRequired()])
    note = TextAreaField(
        _l("Note (shown to the author)"), validators=[DataRequired(), Length(max=2000)]
    )


class BulkForm(FlaskForm):
    """One step on several selected suggestions."""

    action = SelectField(_l("With the selected"), validators=[DataRequired()])
    department = SelectField(_l("Department"), coerce=int, validators=[Optional()])
    decision = SelectField(_l("Adoption decision"), validators=[Optional()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
