"""Library pages: the public list and items, and the counsellors' writing and review desk."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app import replica
from app.accounts.models import Role
from app.extensions import db
from app.i18n import current_locale
from app.library import audio, bp, tags
from app.library import services as library
from app.library.forms import ActionForm, FilterForm, ItemForm, NewItemForm
from app.library.models import AUDIO, LibraryVersion
from app.refusals_shown import show_on_form, show_refusal
from app.security.access import public, roles_required

UPLOAD_ENDPOINTS = frozenset({"library.new_item", "library.edit"})
AUDIO_CACHE_SECONDS = 30 * 86400  # files are named by a random id and never change


@bp.url_value_preprocessor
def allow_recordings(endpoint: str | None, values: dict | None) -> None:
    """The pages that take a recording accept a larger body than the site's 1 MB limit.

    Runs before any ``before_request`` hook reads the form (CSRF, input checks)."""
    if endpoint in UPLOAD_ENDPOINTS and request.method == "POST":
        request.max_content_length = current_app.config["LIBRARY_AUDIO_MAX_BYTES"] + 262_144


def _lang() -> str:
    return "en" if current_locale() == "en" else "zh"


def _tag_choices(form: ItemForm, lang: str) -> None:
    form.tags.choices = [SelectChoice(t, label) for t, label in tags.choices(lang)]


# -- readers --------------------------------------------------------------------------------
@bp.route("/library")
@public
def index() -> str:
    """Published items in the reader's language: filter by topic and kind, search."""
    lang = _lang()
    form = FilterForm(request.args)
    form.tag.choices = [SelectChoice("", _("All topics"))] + [
        SelectChoice(t, label) for t, label in tags.choices(lang)]
    valid = form.validate()
    q = (form.q.data or "").strip() if valid else ""
    kind = form.kind.data if valid else None
    tag = form.tag.data if valid else None
    if not valid:
        flash(_("That search could not be used; showing everything."), "error")
    versions = replica.read(library.find, lang, kind=kind or None, tag=tag or None, query=q)
    return render_template("library/index.html", form=form, versions=versions, q=q,
                           searched=bool(q or kind or tag), lang=lang,
                           tag_label=lambda t: tags.label(t, lang))


@bp.route("/library/<uid>")
@public
def item(uid: str) -> str:
    """A published article or audio exercise (counted once per view: item and month only)."""
    found = library.published_item(uid)
    if found is None or found.published is None:
        abort(404)
    version = found.published
    if request.method == "GET":  # not a HEAD request or a link preview's probe
        library.count_use(found, "read")
        db.session.commit()
    lang = found.lang
    return render_template("library/item.html", item=found, version=version,
                           audio_url=_public_audio_url(version),
                           tag_label=lambda t: tags.label(t, lang))


def _public_audio_url(version: LibraryVersion) -> str | None:
    if version.item.kind != AUDIO or library.audio_path(version) is None:
        return None
    return url_for("library.audio", name=version.audio_file)


@bp.route("/library/audio/<name>", endpoint="audio")
@public
def audio_file(name: str) -> Response:
    """A published recording, with Range support (phones seek) and long caching."""
    version = library.published_audio(name)
    path = library.audio_path(version) if version is not None else None
    if version is None or path is None:
        abort(404)
    start = request.headers.get("Range", "bytes=0-").replace(" ", "")
    if request.method == "GET" and start.startswith("bytes=0-"):
        library.count_use(version.item, "listen")  # a first request, not a seek
        db.session.commit()
    response = send_file(path, mimetype=audio.MIME, conditional=True, etag=True,
                         max_age=AUDIO_CACHE_SECONDS)
    response.headers["Cache-Control"] = f"public, max-age={AUDIO_CACHE_SECONDS}, immutable"
    return response


# -- counsellors ----------------------------------------------------------------------------
def _version_or_404(version_id: int) -> LibraryVersion:
    version = library.version_by_id(version_id)
    if version is None:
        abort(404)
    return version


@bp.route("/library/staff")
@roles_required(Role.COUNSELLOR)
def staff() -> str:
    """Own drafts, versions waiting for a second counsellor, and every item."""
    return render_template("library/staff.html", desk=library.staff_overview(current_user),
                           action_form=ActionForm(), open_version=library.open_version)


def _draft_from(form: ItemForm) -> library.Draft:
    return library.Draft(title=form.title.data or "", summary=form.summary.data or "",
                         body_md=form.body.data or "", transcript=form.transcript.data or "",
                         tags=list(form.tags.data or []))


def _attach(version: LibraryVersion, form: ItemForm) -> None:
    """Save an uploaded recording to a temporary file and hand it to the service."""
    upload = form.audio.data
    if not upload or not getattr(upload, "filename", ""):
        return
    folder = library.library_dir() / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as tmp:
        upload.save(tmp)
    try:
        library.attach_audio(current_user, version, Path(tmp.name), upload.filename)
    finally:
        Path(tmp.name).unlink(missing_ok=True)


@bp.route("/library/staff/new", methods=["GET", "POST"])
@roles_required(Role.COUNSELLOR)
def new_item() -> str | Response:
    """Write a new article or audio exercise; it starts as the author's draft."""
    form = NewItemForm()
    _tag_choices(form, form.lang.data if form.lang.data in ("zh", "en") else _lang())
    if not form.is_submitted():
        form.lang.data = _lang()
    if form.validate_on_submit():
        try:
            version = library.create_item(current_user, form.kind.data, form.lang.data,
                                          _draft_from(form))
            _attach(version, form)
            db.session.commit()
        except library.LibraryError as exc:
            show_on_form(form, exc)
        else:
            flash(_("Draft saved. Send it for review when it is ready."), "success")
            return redirect(url_for("library.version", version_id=version.id))
    return render_template("library/edit.html", form=form, version=None,
                           ffmpeg=audio.tools() is not None)


@bp.route("/library/staff/versions/<int:version_id>")
@roles_required(Role.COUNSELLOR)
def version(version_id: int) -> str:
    """Any version as readers would see it, with the actions open to this counsellor."""
    found = _version_or_404(version_id)
    preview = (url_for("library.staff_audio", version_id=found.id)
               if library.audio_path(found) else None)
    lang = found.item.lang
    return render_template("library/version.html", version=found, item=found.item,
                           action_form=ActionForm(), audio_url=preview,
                           editable=library.editable(current_user, found),
                           tag_label=lambda t: tags.label(t, lang))


@bp.route("/library/staff/versions/<int:version_id>/audio")
@roles_required(Role.COUNSELLOR)
def staff_audio(version_id: int) -> Response:
    """A draft's recording for the author and reviewers (not cached)."""
    path = library.audio_path(_version_or_404(version_id))
    if path is None:
        abort(404)
    return send_file(path, mimetype=audio.MIME, conditional=True)


@bp.route("/library/staff/versions/<int:version_id>/edit", methods=["GET", "POST"])
@roles_required(Role.COUNSELLOR)
def edit(version_id: int) -> str | Response:
    """The author changes their own draft (others get 404: it is not theirs to change)."""
    found = _version_or_404(version_id)
    if not library.editable(current_user, found):
        abort(404)
    form = ItemForm(obj=None)
    _tag_choices(form, found.item.lang)
    if not form.is_submitted():
        form.title.data, form.summary.data = found.title, found.summary
        form.body.data, form.transcript.data = found.body_md, found.transcript
        form.tags.data = found.tag_list
    if form.validate_on_submit():
        try:
            library.edit_draft(current_user, found, _draft_from(form))
            _attach(found, form)
            db.session.commit()
        except library.LibraryError as exc:
            show_on_form(form, exc)
        else:
            flash(_("Draft saved."), "success")
            return redirect(url_for("library.version", version_id=found.id))
    return render_template("library/edit.html", form=form, version=found,
                           ffmpeg=audio.tools() is not None)


def _act(version_id: int, action: str) -> Response:
    found = _version_or_404(version_id)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("library.version", version_id=found.id))
    messages = {"submit": _("Sent for review. A second counsellor will look at it."),
                "approve": _("Published. Readers now see this version."),
                "send_back": _("Sent back to the author as a draft.")}
    try:
        getattr(library, action)(current_user, found)
        db.session.commit()
    except library.LibraryError as exc:
        show_refusal(exc)
    else:
        flash(messages[action], "success")
    return redirect(url_for("library.version", version_id=found.id))


@bp.route("/library/staff/versions/<int:version_id>/submit", methods=["POST"])
@roles_required(Role.COUNSELLOR)
def submit(version_id: int) -> Response:
    """The author sends their draft for review."""
    return _act(version_id, "submit")


@bp.route("/library/staff/versions/<int:version_id>/approve", methods=["POST"])
@roles_required(Role.COUNSELLOR)
def approve(version_id: int) -> Response:
    """A second counsellor publishes a version in review."""
    return _act(version_id, "approve")


@bp.route("/library/staff/versions/<int:version_id>/send-back", methods=["POST"])
@roles_required(Role.COUNSELLOR)
def send_back(version_id: int) -> Response:
    """A second counsellor returns a version in review to its author."""
    return _act(version_id, "send_back")


@bp.route("/library/staff/items/<uid>/revise", methods=["POST"])
@roles_required(Role.COUNSELLOR)
def revise(uid: str) -> Response:
    """Start a new version of an item; the published one stays up until the new one is approved."""
    found = library.item_by_uid(uid)
    if found is None:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form had expired. Please try again."), "error")
        return redirect(url_for("library.staff"))
    try:
        draft = library.start_revision(current_user, found)
        db.session.commit()
    except library.LibraryError as exc:
        show_refusal(exc)
        return redirect(url_for("library.staff"))
    return redirect(url_for("library.edit", version_id=draft.id))
