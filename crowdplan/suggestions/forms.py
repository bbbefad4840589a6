"""The suggestion form, flag form and moderation forms."""

from __future__ import annotations

import secrets
import time

from flask import current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from itsdangerous import URLSafeTimedSerializer
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from crowdplan.auth.forms import consent_field
from crowdplan.core.operations import list_topics
from crowdplan.i18n import current_language
from crowdplan.plans.models import Plan
from crowdplan.suggestions.operations import MAX_TEXT, MIN_TEXT
from crowdplan.suggestions.places import list_places


class SuggestionForm(FlaskForm):
    """Where, what about, what you think, what you say; contact details stay private."""

    lon = HiddenField()
    lat = HiddenField()
    place = SelectField(_l("Or choose a place from the list"), validators=[Optional()])
    plan_id = HiddenField()
    feature_id = HiddenField()
    topic = SelectField(_l("Topic"), validators=[DataRequired()])
    stance = RadioField(
        _l("Your view"),
        choices=[
            SelectChoice("suggest", _l("Suggest")),
            SelectChoice("support", _l("Support")),
            SelectChoice("oppose", _l("Oppose")),
        ],
        default="suggest",
        validators=[DataRequired()],
    )
    text = TextAreaField(
        _l("Your suggestion"), validators=[DataRequired(), Length(min=MIN_TEXT, max=MAX_TEXT)]
    )
    photos = MultipleFileField(_l("Photos (up to 4, JPEG/PNG/WebP)"))
    display_name = StringField(
        _l("Name shown with your suggestion (leave empty to stay anonymous)"),
        validators=[Optional(), Length(max=80)],
    )
    org_name = StringField(_l("Organisation"), validators=[Optional(), Length(max=120)])
    org_members = IntegerField(
        _l("Members it speaks for"), validators=[Optional(), NumberRange(min=1, max=1_000_000)]
    )
    contact_phone = StringField(
        _l("Phone (only staff see it)"), validators=[Optional(), Length(max=20)]
    )
    guest_email = StringField(
        _l("E-mail (needed without an account; we send a confirmation link)"),
        validators=[Optional(), Email(), Length(max=254)],
    )
    consent = consent_field(required=False)  # guests only: checked in the view
    website = StringField(_l("Leave this field empty"))  # honeypot: people never see it
    # Signed time the form was shown (bots post too fast) and a nonce: one suggestion per form.
    started = HiddenField()


class FlagForm(FlaskForm):
    """Report a suggestion to the moderators."""

    reason = StringField(_l("What is wrong?"), validators=[DataRequired(), Length(max=200)])


class ModerationForm(FlaskForm):
    """Approve, hide or edit."""

    action = HiddenField(validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=200)])
    new_text = TextAreaField(_l("New text"), validators=[Optional(), Length(max=MAX_TEXT)])


class BlockedWordForm(FlaskForm):
    """Add a blocked word."""

    word = StringField(_l("Word or phrase"), validators=[DataRequired(), Length(max=80)])


class ReviewModeForm(FlaskForm):
    """先审后发 setting."""

    mode = RadioField(
        _l("Review before publishing"),
        choices=[
            SelectChoice("all", _l("All suggestions")),
            SelectChoice("flagged", _l("Only those with blocked words")),
            SelectChoice("none", _l("None")),
        ],
    )


def form_signer() -> URLSafeTimedSerializer:
    """Signs the time a form was shown."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="form-started")


def form_stamp() -> str:
    """The signed time a form is shown (bots post too fast), with a random nonce that makes
    the same form sent again (double click, replay) the same suggestion."""
    return form_signer().dumps([time.time(), secrets.token_urlsafe(16)])


def read_form_stamp(stamp: str | None, max_age: int = 86400) -> tuple[float, str | None]:
    """The time and nonce of a signed stamp; raises BadSignature or ValueError. A stamp from
    before nonces (a bare time) has none."""
    value = form_signer().loads(stamp or "", max_age=max_age)
    if isinstance(value, list) and len(value) == 2 and isinstance(value[1], str):
        return float(value[0]), value[1]
    return float(value), None


def build_suggestion_form(plan: Plan | None = None) -> SuggestionForm:
    """The suggestion form with topics and places filled in, stamped with the time shown."""
    form = SuggestionForm()  # on POST, Flask-WTF reads request.form and request.files
    lang = current_language()
    form.topic.choices = [(t.code, t.label) for t in list_topics()]
    form.place.choices = [("", "—")] + [(p.key, p.label(lang)) for p in list_places()]
    if plan is not None:
        form.plan_id.data = str(plan.id)
    if request.method == "GET" or not form.started.data:
        # A cached page (plans.pagecache) renders with the stamp it will swap per response.
        form.started.data = g.get("form_started") or form_stamp()
    return form
