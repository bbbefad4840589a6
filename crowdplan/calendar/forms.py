"""Admin forms: a day of the official calendar, a year's coverage, the time limits."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crowdplan.calendar.limits import MAX_DAYS, MIN_DAYS

_DAYS = NumberRange(min=MIN_DAYS, max=MAX_DAYS)


class DayForm(FlaskForm):
    """Add or correct one official day."""

    day = DateField(_l("Date"), validators=[DataRequired()])
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("holiday", _l("Holiday (day off)")),
            SelectChoice("workday", _l("Make-up working day")),
            SelectChoice("ordinary", _l("Ordinary day (remove the entry)")),
        ],
    )
    name = StringField(_l("Notice or source"), validators=[DataRequired(), Length(max=200)])


class CoverForm(FlaskForm):
    """Declare a year's official days complete."""

    name = StringField(_l("Notice or source"), validators=[DataRequired(), Length(max=200)])


class TopicLimitsForm(FlaskForm):
    """A topic's reply and rectification days."""

    reply_days = IntegerField(_l("Reply days"), validators=[DataRequired(), _DAYS])
    rectify_days = IntegerField(_l("Rectification days"), validators=[DataRequired(), _DAYS])


class DepartmentLimitForm(FlaskForm):
    """A department's reply days (empty: the topic's)."""

    reply_days = IntegerField(_l("Reply days"), validators=[Optional(), _DAYS])
