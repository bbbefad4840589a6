"""Public suggestion pages: report a place, list, detail, support, flag, confirm, photos."""

from __future__ import annotations

import math
import time
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from itsdangerous import BadSignature
from sqlalchemy import or_, select

from crowdplan.auth import policy
from crowdplan.auth.consent import notice_version
from crowdplan.auth.forms import CONSENT_REQUIRED
from crowdplan.cookies import first_party_id
from crowdplan.core import operations as core
from crowdplan.core.operations import list_topics
from crowdplan.errors import AppError
from crowdplan.extensions import db, limiter
from crowdplan.geo import maps, spatial
from crowdplan.geo.pages import embed_map, tiles
from crowdplan.inputs import arg_int, arg_page, ascii_int
from crowdplan.labels import rating_label
from crowdplan.mail import absolute_url, mail_allowed, send_mail
from crowdplan.plans.mapping import version_map
from crowdplan.plans.models import Plan
from crowdplan.stats.web import count_view
from crowdplan.suggestions import operations as ops
from crowdplan.suggestions import queries, reactions
from crowdplan.suggestions.forms import (
    FlagForm,
    SuggestionForm,
    build_suggestion_form,
    read_form_stamp,
)
from crowdplan.suggestions.models import Suggestion, SuggestionPhoto, Visibility
from crowdplan.suggestions.photos import MAX_PHOTO_BYTES, photo_path
from crowdplan.suggestions.places import get_place
from crowdplan.suggestions.public import public_view
from crowdplan.transactions import late_write_lock
from crowdplan.triage import operations as triage
from crowdplan.triage.follows import is_following, toggle_follow
from crowdplan.triage.forms import RateForm
from crowdplan.triage.ratings import can_rate, list_callbacks
from crowdplan.triage.timeline import list_timeline
from crowdplan.triage.workflow import BAD_RATINGS, Rating

bp = Blueprint("suggestions", __name__)
bp.add_app_template_global(public_view, "public_view")
GUEST_COOKIE = "cp_guest"


def suggestion_map_context(plan: Plan | None) -> dict:
    """The map a suggestion is placed on: the plan's, or the city's."""
    if plan is not None and plan.public_version is not None:
        embed, legend = version_map(plan.public_version)
        return {"place_map": embed, "legend": legend}
    m = maps.base_map(tiles())
    areas = core.list_current_areas()
    maps.add_area_outlines(m, core.areas_for_map(areas))
    maps.fit_to(m, core.bounds_of(areas))
    return {"place_map": embed_map(m), "legend": []}


@bp.get("/report")
def report():
    """Report a place: tap the map or choose from the list, then say it."""
    plan = db.session.get(Plan, arg_int("plan") or 0)
    form = build_suggestion_form(plan)
    return render_template(
        "suggestions/report.html", form=form, plan=plan, **suggestion_map_context(plan)
    )


@bp.post("/suggestions/new")
@limiter.limit(lambda: current_app.config["SUGGESTION_RATE_LIMIT"])  # per network address
@late_write_lock  # create_suggestion takes it after re-encoding the photos
def create():
    """Receive the form: validate, store, confirm by e-mail for guests."""
    plan = db.session.get(Plan, ascii_int(request.form.get("plan_id")) or 0)
    form = build_suggestion_form(plan)
    try:
        data, nonce = _read_form(form, plan)
        if not current_user.is_authenticated and not mail_allowed("confirm", form.guest_email.data):
            raise AppError(
                _("We have sent several e-mails to this address recently. Please use the link "
                  "in one of them, or try again in an hour."),
                status=429, code="mail_limit",
            )  # fmt: skip
        suggestion, token = triage.submit(
            data,
            author=current_user if current_user.is_authenticated else None,
            guest_email=form.guest_email.data or None,
            source=ops.source_hash(request.remote_addr),
            form_token=ops.hash_token(nonce) if nonce else None,
        )
    except ops.DuplicateSubmission as dup:
        # The same form again (double click, a replay): the first send's answer, no new row.
        db.session.rollback()
        return _answer_submission(db.session.get(Suggestion, dup.suggestion_id), flash_it=False)
    except AppError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        page = render_template(
            "suggestions/report.html", form=form, plan=plan, **suggestion_map_context(plan)
        )
        return page, exc.status
    if token is not None:
        _send_confirmation(form.guest_email.data, token)  # queued with the suggestion
    db.session.commit()
    return _answer_submission(suggestion)


def _answer_submission(suggestion: Suggestion, *, flash_it: bool = True):
    if suggestion.visibility == Visibility.UNCONFIRMED:
        return render_template("suggestions/check_mail.html"), 202
    if flash_it and suggestion.is_public:
        flash(_("Thank you. Your suggestion is published."), "success")
    elif flash_it:
        flash(_("Thank you. Your suggestion will appear after a moderator has read it."), "info")
    return redirect(
        url_for(".detail", suggestion_id=suggestion.id)
        if suggestion.is_public
        else url_for(".index")
    )


def _read_form(form: SuggestionForm, plan: Plan | None) -> tuple[ops.SuggestionInput, str | None]:
    """Turn the submitted form into operation input and the form's nonce, or raise AppError."""
    if form.website.data:
        raise AppError(_("The form could not be accepted."), code="honeypot")
    nonce = _check_fill_time(form.started.data)
    if not form.validate():
        errors = "; ".join(
            f"{form[name].label.text}: {msgs[0]}" for name, msgs in form.errors.items()
        )
        raise AppError(errors or _("Please check the form."), code="invalid_form")
    lon, lat, approximate, label = _read_place(form)
    guest = not current_user.is_authenticated
    if guest and not form.guest_email.data:
        raise AppError(_("Please give your e-mail address, or sign in."), code="email_required")
    if guest and not form.consent.data:  # PIPL: explicit consent before we keep anything
        raise AppError(str(CONSENT_REQUIRED), code="consent_required")
    photos = [
        f.read(MAX_PHOTO_BYTES + 1) for f in (form.photos.data or []) if getattr(f, "filename", "")
    ]
    data = ops.SuggestionInput(
        lon=lon,
        lat=lat,
        is_approximate=approximate,
        place_label=label,
        topic_code=form.topic.data,
        stance=form.stance.data,
        text=form.text.data,
        display_name=form.display_name.data,
        contact_phone=form.contact_phone.data,
        org_name=form.org_name.data,
        org_members=form.org_members.data,
        plan_id=plan.id if plan else None,
        feature_id=ascii_int(form.feature_id.data),
        photos=photos,
        consent_version=notice_version() if guest else None,
    )
    return data, nonce


def _check_fill_time(stamp: str | None) -> str | None:
    """Refuse a stale or too fast form; returns the form's nonce."""
    minimum = current_app.config.get("MIN_FILL_SECONDS", 3)
    try:
        shown, nonce = read_form_stamp(stamp)
    except (BadSignature, ValueError, TypeError) as exc:
        raise AppError(
            _("The form has expired. Please reload the page and try again."), code="stale_form"
        ) from exc
    if time.time() - shown < minimum:
        raise AppError(
            _("That was very fast. Please take a moment and send again."),
            status=429,
            code="too_fast",
        )
    return nonce


def _read_place(form: SuggestionForm) -> tuple[float, float, bool, str | None]:
    if form.place.data:
        place = get_place(form.place.data)
        if place is None:
            raise AppError(_("Unknown place."), code="bad_place")
        return place.lon, place.lat, True, place.name
    try:
        lon, lat = float(form.lon.data), float(form.lat.data)
    except (TypeError, ValueError) as exc:
        raise AppError(
            _("Please choose a place on the map or from the list."), code="no_place"
        ) from exc
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise AppError(_("The place is not a valid location."), code="bad_point")
    return lon, lat, False, None


def _send_confirmation(email: str, token: str) -> None:
    link = absolute_url("suggestions.confirm", token=token)
    body = _(
        "Please open this link to publish your suggestion:\n\n%(link)s\n\n"
        "If you did not write a suggestion, ignore this e-mail.",
        link=link,
    )
    send_mail(to=email, subject=_("Please confirm your suggestion"), body=body)


@bp.get("/suggestions/confirm/<token>")
def confirm(token: str):
    """A guest opens the link from the e-mail."""
    suggestion = triage.confirm(token)
    db.session.commit()
    if suggestion.is_public:
        flash(_("Thank you. Your suggestion is published."), "success")
        return redirect(url_for(".detail", suggestion_id=suggestion.id))
    flash(_("Thank you. Your suggestion will appear after a moderator has read it."), "info")
    return redirect(url_for(".index"))


@bp.get("/suggestions")
def index():
    """Published suggestions as a list in step with the map (filters in the URL)."""
    filters = queries.SuggestionFilters.from_args(request.args)
    page = queries.list_public(filters, page=arg_page())
    m = maps.base_map(tiles())
    areas = core.list_current_areas()
    maps.add_area_outlines(m, core.areas_for_map(areas))
    maps.fit_to(m, core.bounds_of(areas))
    return render_template(
        "suggestions/index.html",
        following_area=bool(filters.area) and is_following(current_user, area_adcode=filters.area),
        page=page,
        filters=filters,
        topics=list_topics(),
        areas=areas,
        city_map=embed_map(m),
    )


@bp.get("/suggestions/<int:suggestion_id>")
def detail(suggestion_id: int):
    """One suggestion: small map, text, photos, supports."""
    suggestion = queries.get_public(suggestion_id)
    if suggestion is None:
        abort(404)
    count_view("suggestion", suggestion.id)
    lon, lat = queries.lonlat(suggestion)
    m = maps.base_map(tiles(), location=(lat, lon), zoom=15)
    maps.add_pin(m, lon, lat, stance=suggestion.stance)
    is_author = current_user.is_authenticated and current_user.id == suggestion.author_id
    rate_form = RateForm()
    rate_form.rating.choices = [(r.value, rating_label(r)) for r in Rating]
    # The follow-up calls (回访) after a bad rating: for the author's eyes only.
    own_callbacks = list_callbacks(suggestion) if is_author else []
    return render_template(
        "suggestions/detail.html",
        entries=list_timeline(suggestion, public=True),
        is_author=is_author,
        can_rate=is_author and can_rate(suggestion),
        callbacks=own_callbacks,
        following=is_following(current_user, suggestion_id=suggestion.id),
        rate_form=rate_form,
        suggestion=suggestion,
        words=public_view(suggestion),
        small_map=embed_map(m),
        flag_form=FlagForm(),
    )


def _guest_key() -> str:
    """The hashed server-signed guest id (a new one is issued when missing or forged)."""
    return ops.hash_token(first_party_id(GUEST_COOKIE))


def _support_limit() -> str:
    return current_app.config["SUPPORT_RATE_LIMIT"]


def _flag_limit() -> str:
    return current_app.config["FLAG_RATE_LIMIT"]


@bp.post("/suggestions/<int:suggestion_id>/support")
@limiter.limit(_support_limit, key_func=reactions.network_key)
@limiter.limit(_support_limit, key_func=reactions.account_key, exempt_when=reactions.signed_out)
def support(suggestion_id: int):
    """+1, once per account or guest id."""
    spatial.begin_immediate(db.session)  # reads, then writes: take the lock first
    suggestion = queries.get_public(suggestion_id)
    if suggestion is None:
        abort(404)
    user = current_user if current_user.is_authenticated else None
    added = reactions.support(suggestion, user=user, guest_key=None if user else _guest_key())
    db.session.commit()
    flash(
        _("Thank you for your support.") if added else _("You have already supported this."),
        "success",
    )
    return redirect(url_for(".detail", suggestion_id=suggestion.id))


@bp.post("/suggestions/<int:suggestion_id>/flag")
@limiter.limit(_flag_limit, key_func=reactions.network_key)
@limiter.limit(_flag_limit, key_func=reactions.account_key, exempt_when=reactions.signed_out)
def flag(suggestion_id: int):
    """Report a suggestion to the moderators."""
    spatial.begin_immediate(db.session)  # reads, then writes: take the lock first
    suggestion = queries.get_public(suggestion_id)
    if suggestion is None:
        abort(404)
    form = FlagForm()
    if not form.validate_on_submit():
        raise AppError(_("Please say what is wrong."), code="reason_required")
    user = current_user if current_user.is_authenticated else None
    reactions.flag(
        suggestion, reason=form.reason.data, user=user, guest_key=None if user else _guest_key()
    )
    db.session.commit()
    flash(_("Thank you. A moderator will look at it."), "info")
    return redirect(
        url_for(".detail", suggestion_id=suggestion.id)
        if suggestion.is_public
        else url_for(".index")
    )


@bp.post("/suggestions/<int:suggestion_id>/rate")
def rate(suggestion_id: int):
    """The author rates the reply."""
    suggestion = queries.get_public(suggestion_id)
    if suggestion is None:
        abort(404)
    form = RateForm()
    form.rating.choices = [(r.value, r.value) for r in Rating]
    if not form.validate_on_submit():
        raise AppError(_("Please check the form."), code="invalid_form")
    triage.rate(
        suggestion,
        user=current_user if current_user.is_authenticated else None,
        rating=form.rating.data,
    )
    db.session.commit()
    if form.rating.data in BAD_RATINGS:
        flash(_("Thank you. The department will look into it again and follow up."), "success")
    else:
        flash(_("Thank you for your rating."), "success")
    return redirect(url_for(".detail", suggestion_id=suggestion.id))


@bp.post("/suggestions/<int:suggestion_id>/follow")
@login_required
def follow(suggestion_id: int):
    """Follow a suggestion (or stop): e-mail on reply, decision and status changes."""
    suggestion = queries.get_public(suggestion_id)
    if suggestion is None:
        abort(404)
    if not FlaskForm().validate_on_submit():
        raise AppError(_("Please check the form."), code="invalid_form")
    on = toggle_follow(current_user, suggestion_id=suggestion.id)
    db.session.commit()
    flash(_("You follow this suggestion.") if on else _("You no longer follow it."), "success")
    return redirect(url_for(".detail", suggestion_id=suggestion.id))


@bp.post("/areas/<adcode>/follow")
@login_required
def follow_area(adcode: str):
    """Follow every suggestion in an area (or stop)."""
    if adcode not in {a.adcode for a in core.list_current_areas()}:
        abort(404)
    if not FlaskForm().validate_on_submit():
        raise AppError(_("Please check the form."), code="invalid_form")
    on = toggle_follow(current_user, area_adcode=adcode)
    db.session.commit()
    flash(_("You follow this area.") if on else _("You no longer follow it."), "success")
    return redirect(url_for(".index", area=adcode))


@bp.get("/suggestions/photos/<name>")
def photo(name: str):
    """A photo of a published suggestion (staff may see held ones)."""
    row = db.session.scalar(
        select(SuggestionPhoto).where(
            or_(SuggestionPhoto.name == name, SuggestionPhoto.thumb_name == name)
        )
    )
    # A held suggestion's photo: its department's staff and the moderators, not any staff.
    if row is None or not policy.can_view_suggestion(current_user, row.suggestion):
        abort(404)
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "photos"
    try:
        path = photo_path(folder, name)
    except ValueError:
        abort(404)
    # inline (shown in <img>), with a name, so a browser never guesses what to do with it
    response = send_from_directory(path.parent, path.name, download_name=path.name)
    # Asked again on every view (a 304 when unchanged): once a suggestion is hidden, its photo
    # must stop showing at once, not a day later from a browser's or proxy's copy.
    if row.suggestion.is_public:
        response.headers["Cache-Control"] = "public, no-cache"
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response
