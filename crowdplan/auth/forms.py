"""Sign-in and registration forms (Flask-WTF: CSRF on every form)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectChoice, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from crowdplan.auth.passwords import password_problem

PHONE_PATTERN = r"^1[3-9]\d{9}$"  # mainland mobile numbers


def _compact(value: str | None) -> str | None:
    """People write 138 0013 8000 or 138-0013-8000; keep the digits."""
    return value.replace(" ", "").replace("-", "") if value else value


def _strong_password(_form, field) -> None:
    """Long enough and not on the list of common passwords."""
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


def _new_password_fields():
    password = PasswordField(_l("Password"), validators=[DataRequired(), _strong_password])
    confirm = PasswordField(
        _l("Repeat password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    return password, confirm


CONSENT_REQUIRED = _l("Please agree to the privacy notice to go on.")


def consent_field(*, required: bool = True) -> BooleanField:
    """The PIPL consent box, unticked until the person ticks it. Not `required`: the view
    decides (the suggestion form asks guests only; accounts agreed when they registered)."""
    return BooleanField(
        _l("I have read the privacy notice and agree to my personal information being processed "
           "as it describes."),
        validators=[DataRequired(message=CONSENT_REQUIRED)] if required else [Optional()],
    )  # fmt: skip


class LoginForm(FlaskForm):
    """E-mail address or mobile number, and password."""

    login = StringField(_l("E-mail or mobile number"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in"))


class RegisterForm(FlaskForm):
    """A citizen or organisation account; at least one of e-mail and phone."""

    display_name = StringField(
        _l("Name shown to others"), validators=[DataRequired(), Length(max=80)]
    )
    email = StringField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(
        _l("Mobile number"),
        filters=[_compact],
        validators=[
            Optional(),
            Regexp(PHONE_PATTERN, message=_l("Enter an 11-digit mainland mobile number.")),
        ],
    )
    kind = RadioField(
        _l("I am registering as"),
        choices=[
            SelectChoice("citizen", _l("a citizen")),
            SelectChoice("organisation", _l("an organisation")),
        ],
        default="citizen",
    )
    password, confirm = _new_password_fields()
    consent = consent_field()

    def validate(self, extra_validators=None) -> bool:
        """Both fields optional on their own, but one of them is needed to sign in."""
        if not super().validate(extra_validators):
            return False
        if not (self.email.data or self.phone.data):
            self.email.errors.append(_l("Give an e-mail address or a mobile number."))
            return False
        return True


class ProfileForm(FlaskForm):
    """What a user may change about themselves."""

    display_name = StringField(
        _l("Name shown to others"), validators=[DataRequired(), Length(max=80)]
    )


class PasswordChangeForm(FlaskForm):
    """The current password, then the new one twice."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password, confirm = _new_password_fields()


class ForgotPasswordForm(FlaskForm):
    """Where to send a reset link."""

    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    """A new password, twice."""

    password, confirm = _new_password_fields()


class DeleteAccountForm(FlaskForm):
    """Deleting one's account is confirmed with the password."""

    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
