"""Choosing a counsellor: browse and filter profiles, one profile with its next free times,
photos, and a counsellor's own profile form. Thin: parse, call app/booking/profiles.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.accounts.models import Role
from app.booking import bookings, bp, profiles
from app.booking import feedback as feedback_rules
from app.booking.bookings import NotFoundError
from app.booking.catalogue import active_centres
from app.booking.forms import FeedbackForm, ProfileForm
from app.booking.models import Mode
from app.extensions import db
from app.i18n import current_locale
from app.refusals_shown import show_on_form, show_refusal
from app.security.access import login_required, public, roles_required
from app.security.inputs import upload_limit

# The upload may be up to 5 MB; a little more for the form around it.
UPLOAD_LIMIT = profiles.MAX_PHOTO_BYTES + 512 * 1024


def mode_label(mode: str) -> str:
    """A meeting mode in the reader's language."""
    return {"in_person": _("In person"), "phone": _("By phone"),
            "video": _("By video")}.get(mode, mode)


bp.add_app_template_global(mode_label, "mode_label")


def _choices(table: dict, lang: str) -> list[SelectChoice]:
    return [SelectChoice(code, profiles.label(table, code, lang)) for code in table]


@bp.route("/counsellors")
@public
def counsellors() -> str:
    """Published counsellors, filtered by centre, specialty, language, gender and mode."""
    args = request.args
    filters = profiles.Filters(centre=args.get("centre", ""), specialty=args.get("specialty", ""),
                               language=args.get("language", ""), gender=args.get("gender", ""),
                               mode=args.get("mode", "")).cleaned()
    found = profiles.browse(filters)
    lang = current_locale()
    return render_template(
        "booking/counsellors.html", profiles_found=found, filters=filters,
        next_free={p.id: profiles.next_free(p, 3, filters.mode) for p in found},
        centres=active_centres(), specialties=_choices(profiles.SPECIALTIES, lang),
        languages=_choices(profiles.LANGUAGES, lang), modes=[m.value for m in Mode],
        tables=profiles)


@bp.route("/counsellors/<uid>")
@public
def counsellor(uid: str) -> str:
    """One counsellor: who they are, where and how they meet people, their next free times."""
    profile = profiles.public_profile(uid)
    if profile is None:
        abort(404)
    mode = request.args.get("mode", "")
    return render_template("booking/counsellor.html", profile=profile, tables=profiles,
                           sessions=profiles.next_free(profile, 12, mode),
                           centres=profiles.centres_of(profile))


@bp.route("/counsellors/photos/<name>")
@public
def photo(name: str) -> Response:
    """A counsellor's photo: public once approved; a pending one to its owner and admins."""
    path = profiles.photo_path(name)
    if path is None or not profiles.photo_visible(current_user, name):
        abort(404)
    return Response(path.read_bytes(), mimetype="image/jpeg")


def _profile_form(lang: str) -> ProfileForm:
    form = ProfileForm()
    form.gender.choices = _choices(profiles.GENDERS, lang)
    form.specialties.choices = _choices(profiles.SPECIALTIES, lang)
    form.languages.choices = _choices(profiles.LANGUAGES, lang)
    form.qualifications.choices = [SelectChoice(code, q[1] if lang.startswith("en") else q[0])
                                   for code, q in profiles.QUALIFICATIONS.items()]
    return form


@bp.route("/counsellors/my-profile", methods=["GET", "POST"])
@upload_limit(UPLOAD_LIMIT)  # larger bodies get the translated 413 page, unread
@roles_required(Role.COUNSELLOR)
def my_profile() -> str | Response:
    """A counsellor edits their own profile; an admin approves it before workers see it."""
    lang = current_locale()
    profile = profiles.profile_of(current_user)
    form = _profile_form(lang)
    draft = profiles.draft_of(profile)
    if not form.is_submitted():
        form.display_name.data = draft["display_name"]
        form.gender.data = draft["gender"]
        form.specialties.data = list(draft["specialties"])
        form.languages.data = list(draft["languages"])
        form.qualifications.data = [q["code"] for q in draft["qualifications"]]
        form.register_number.data = next((q["number"] for q in draft["qualifications"]
                                          if q.get("number")), "")
        form.intro_zh.data, form.intro_en.data = draft["intro_zh"], draft["intro_en"]
    if form.validate_on_submit():
        upload = form.photo.data
        data = upload.read(UPLOAD_LIMIT + 1) if upload and getattr(upload, "filename", "") \
            else None
        try:
            profiles.submit(current_user, profiles.Draft(
                display_name=form.display_name.data or "", gender=form.gender.data or "",
                specialties=form.specialties.data or [], languages=form.languages.data or [],
                qualifications=form.qualifications.data or [],
                register_number=form.register_number.data or "",
                intro_zh=form.intro_zh.data or "", intro_en=form.intro_en.data or "",
                photo=data, remove_photo=bool(form.remove_photo.data)))
        except profiles.ProfileError as exc:
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Thank you. An administrator will check your profile before workers "
                    "see the changes."), "success")
            return redirect(url_for("booking.my_profile"))
    return render_template("booking/my_profile.html", form=form, profile=profile,
                           draft=draft, tables=profiles)


@bp.route("/bookings/<uid>/feedback", methods=["GET", "POST"])
@login_required
def feedback(uid: str) -> str | Response:
    """Two optional questions after an attended session; the counsellor never sees who."""
    try:
        booking = bookings.find_booking(current_user, uid)
    except NotFoundError:
        abort(404)
    form = FeedbackForm()
    if form.validate_on_submit():
        try:
            rating = int(form.rating.data) if str(form.rating.data or "").isdigit() else None
            feedback_rules.give(current_user, booking, rating, form.recommend.data)
        except feedback_rules.FeedbackError as exc:
            show_refusal(exc)
        else:
            db.session.commit()
            flash(_("Thank you. Your answers are counted without your name."), "success")
        return redirect(url_for("booking.detail", uid=uid))
    return render_template("booking/feedback.html", booking=booking, form=form,
                           open=feedback_rules.may_give(booking))
