"""Admin forms for routing rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class RuleForm(FlaskForm):
    """One rule: conditions (empty = any), target department, priority."""

    priority = IntegerField(
        _l("Priority (lower first)"), validators=[DataRequired(), NumberRange(min=0, max=100000)]
    )
    topic_id = SelectField(
        _l("Topic"),
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        validators=[Optional()],
    )
    area_adcode = SelectField(_l("Area"), validators=[Optional()])
    plan_id = SelectField(
        _l("Plan"),
        coerce=lambda v: int(v) if v not in (None, "", "None") else None,
        validators=[Optional()],
    )
    department_id = SelectField(_l("Department"), coerce=int, validators=[DataRequired()])
    is_active = BooleanField(_l("Active"), default=True)
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class TryForm(FlaskForm):
    """Where would a suggestion here go?"""

    class Meta:
        csrf = False  # a read-only GET form

    lon = FloatField(_l("Longitude"), validators=[DataRequired(), NumberRange(min=-180, max=180)])
    lat = FloatField(_l("Latitude"), validators=[DataRequired(), NumberRange(min=-90, max=90)])
    topic_id = SelectField(_l("Topic"), coerce=int, validators=[DataRequired()])
