"""Planner forms: plan drafts, layer and document uploads, publication."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class PlanForm(FlaskForm):
    """A new plan's draft."""

    plan_type = SelectField(_l("Plan type"), coerce=int, validators=[DataRequired()])
    department = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    areas = SelectMultipleField(_l("Areas it covers"), coerce=int, validators=[Optional()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary (Markdown)"), validators=[Length(max=20000)])


class DraftForm(FlaskForm):
    """Edit a draft's text."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary (Markdown)"), validators=[Length(max=20000)])


class LayerForm(FlaskForm):
    """Upload a GeoJSON layer."""

    name = StringField(_l("Layer name"), validators=[DataRequired(), Length(max=120)])
    file = FileField(_l("GeoJSON file"), validators=[FileRequired()])
    style_property = StringField(
        _l("Colour by property (optional)"), validators=[Optional(), Length(max=60)]
    )
    color = StringField(
        _l("Colour"),
        default="#3388ff",
        validators=[
            Optional(),
            Regexp(r"^#[0-9a-fA-F]{6}$", message=_l("Use a colour like #3388ff.")),
        ],
    )


class DocumentForm(FlaskForm):
    """Attach a PDF."""

    file = FileField(_l("PDF document"), validators=[FileRequired()])


class PublishForm(FlaskForm):
    """Open the public notice: first and last day, inclusive, in the bureau's time zone."""

    opens_on = DateField(_l("Notice opens on"), validators=[DataRequired()])
    closes_on = DateField(_l("Notice closes after"), validators=[DataRequired()])


class ReasonForm(FlaskForm):
    """A bare action with an optional reason (close early, new version, results)."""

    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])
