"""Admin oversight: the audit log, the key ring, and locking or signing out accounts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app import audit
from app.accounts.models import Role, User
from app.admin import audit_viewer, bp, services
from app.admin.audit_labels import audit_labels
from app.admin.forms import AuditFilterForm, RevealForm
from app.audit.models import AuditEvent
from app.audit.services import Page, Verdict
from app.extensions import db
from app.refusals_shown import show_refusal
from app.security import rotation
from app.security.access import deny, roles_required
from app.security.crypto import get_crypto
from app.security.inputs import parse_id


def _local_midnight(day) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone)


def _network_only() -> None:
    """The audit log and the key ring cover the whole network: the hub's admins only."""
    try:
        services.require_network_admin(current_user._get_current_object())
    except services.AdminError:
        deny("scope")


@bp.route("/")
@roles_required(Role.ADMIN)
def index() -> str:
    """What an administrator looks after, with how much of each there is at a glance
    (network-wide pages for the hub's admins only)."""
    actor = current_user._get_current_object()
    staff = services.managed_staff(actor)
    centres = services.centres_in_reach(actor)
    offered = services.services_in_reach(actor)
    overview = {
        "staff": sum(1 for p in staff if p.active),
        "locked": sum(1 for p in staff if not p.active),
        "centres": sum(1 for c in centres if c.active),
        "services": sum(1 for s in offered if s.active),
    }
    network = services.admin_scope(actor).everywhere
    return render_template("admin/index.html", overview=overview, network=network)


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log() -> tuple[str, int]:
    """Search the audit log; looking at it is itself logged."""
    _network_only()
    form = AuditFilterForm(formdata=request.args)
    page_number = parse_id(request.args.get("page")) or 1
    result = None
    if form.validate():
        result = audit.search(
            action=form.action.data or None, target=form.target.data or None,
            actor=form.actor.data or None,
            since=_local_midnight(form.since.data) if form.since.data else None,
            until=(_local_midnight(form.until.data) + timedelta(days=1)
                   if form.until.data else None),
            page=page_number, unsearchable_by_actor=audit_viewer.QUEUE_PREFIXES,
        )
    return _audit_page(form, result)


def _audit_page(form: AuditFilterForm, result: Page | None,
                reveal_form: RevealForm | None = None, reveal_seq: int | None = None,
                status: int = 200) -> tuple[str, int]:
    lines = audit_viewer.describe(result.events if result else [])
    audit.record(current_user, "audit.viewed", None,
                 {"filters": sorted(k for k, v in request.args.items() if v and k != "page")})
    db.session.commit()
    return render_template("admin/audit.html", form=form, result=result, lines=lines,
                           reveal_form=reveal_form or RevealForm(), reveal_seq=reveal_seq,
                           labels=audit_labels), status


@bp.route("/audit/<int:seq>/reveal", methods=["POST"])
@roles_required(Role.ADMIN)
def audit_reveal(seq: int) -> Response | tuple[str, int]:
    """Show who an event is about, once the admin has said why (the reason is audited)."""
    _network_only()
    form = RevealForm()
    if not form.validate():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))
        if event is None:
            abort(404)
        # The form again with its message, on the one event it is about (whatever page).
        search = AuditFilterForm(formdata=None)
        return _audit_page(search, Page([event], 1, 1, 50), form, seq, 400)
    try:
        audit_viewer.reveal(current_user._get_current_object(), seq, form.reason.data)
    except audit_viewer.RevealError:
        db.session.rollback()
        abort(404)
    return redirect(url_for("admin.audit_person", seq=seq))


@bp.route("/audit/<int:seq>/person")
@roles_required(Role.ADMIN)
def audit_person(seq: int) -> Response | str:
    """The person behind an event, for a few minutes after a stated reason."""
    _network_only()
    person = audit_viewer.revealed_person(current_user._get_current_object(), seq)
    if person is None:
        flash(_("Say why you need to know who this is first."), "error")
        return redirect(url_for("admin.audit_log"))
    response = make_response(render_template("admin/audit_person.html", person=person, seq=seq,
                                             pseudonym=audit_viewer.pseudonym(person.uid)))
    response.headers["Cache-Control"] = "no-store"
    return response


VERDICT = "audit_verdict"  # the last check's outcome, shown on the page after the POST


@bp.route("/audit/verify", methods=["POST"])
@roles_required(Role.ADMIN)
def audit_verify() -> Response:
    """Check the whole chain now; the verdict page is reached by a redirect (PRG)."""
    _network_only()
    verdict = audit.verify()
    audit.record(current_user, "audit.verified", None,
                 {"ok": verdict.ok, "events": verdict.events})
    db.session.commit()
    session[VERDICT] = {"events": verdict.events, "problem": verdict.problem,
                        "seq": verdict.seq}
    return redirect(url_for("admin.audit_verdict"))


@bp.route("/audit/verify")
@roles_required(Role.ADMIN)
def audit_verdict() -> str | Response:
    """Whether the chain was intact when last checked in this session."""
    _network_only()
    shown = session.get(VERDICT)
    if not isinstance(shown, dict):
        return redirect(url_for("admin.audit_log"))
    return render_template("admin/audit_verdict.html", verdict=Verdict(**shown))


@bp.route("/keys")
@roles_required(Role.ADMIN)
def keys() -> str:
    """Key-encryption key versions and how many data keys each one wraps."""
    _network_only()
    return render_template("admin/keys.html", status=rotation.status(get_crypto()))


def _staff_member(uid: str) -> User:
    user = services.staff_member(uid, current_user._get_current_object())
    if user is None:
        abort(404)
    return user


def _actor() -> User:
    return current_user._get_current_object()


@bp.route("/staff/<uid>/lock", methods=["POST"])
@roles_required(Role.ADMIN)
def lock_staff(uid: str) -> Response:
    """Lock a staff account (or unlock it); locking signs it out everywhere."""
    user = _staff_member(uid)
    lock = user.is_active
    try:
        services.set_locked(_actor(), user, lock)
    except services.AdminError as exc:
        show_refusal(exc)
    else:
        flash(_("The account is locked.") if lock else _("The account is unlocked."), "success")
    return redirect(url_for("admin.staff"))


@bp.route("/staff/<uid>/sessions/end", methods=["POST"])
@roles_required(Role.ADMIN)
def end_staff_sessions(uid: str) -> Response:
    """Sign a staff member out on every device."""
    user = _staff_member(uid)
    services.end_sessions(_actor(), user)
    flash(_("%(name)s is signed out everywhere.", name=user.name or user.email), "success")
    return redirect(url_for("admin.staff"))


@bp.route("/staff/<uid>/authenticator/reset", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_staff_authenticator(uid: str) -> Response:
    """Reset a staff member's authenticator app, held 24 hours (see the service)."""
    user = _staff_member(uid)
    try:
        services.request_authenticator_reset(_actor(), user)
    except services.AdminError as exc:
        show_refusal(exc)
    else:
        flash(_("%(name)s's authenticator will be reset in 24 hours unless they sign in with "
                "it first. They have been told by email and SMS.",
                name=user.name or user.email), "success")
    return redirect(url_for("admin.staff"))
