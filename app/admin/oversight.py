"""Admin oversight: the audit log, the key ring, and locking or signing out accounts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app import audit
from app.accounts.models import Role, User
from app.admin import bp, services
from app.admin.forms import AuditFilterForm
from app.extensions import db
from app.refusals_shown import show_refusal
from app.security import rotation
from app.security.access import roles_required
from app.security.crypto import get_crypto
from app.security.inputs import parse_id


def _local_midnight(day) -> datetime:
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time.min, tzinfo=zone)


@bp.route("/")
@roles_required(Role.ADMIN)
def index() -> str:
    """What an administrator looks after."""
    return render_template("admin/index.html")


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log() -> str:
    """Search the audit log; looking at it is itself logged."""
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
            page=page_number,
        )
    actors = _actor_names(result.events if result else [])
    audit.record(current_user, "audit.viewed", None,
                 {"filters": sorted(k for k, v in request.args.items() if v and k != "page")})
    db.session.commit()
    return render_template("admin/audit.html", form=form, result=result, actors=actors)


def _actor_names(events: list) -> dict[str, str]:
    uids = {e.actor for e in events if e.actor}
    if not uids:
        return {}
    people = db.session.scalars(select(User).where(User.uid.in_(uids))).all()
    return {p.uid: " · ".join(v for v in (p.name, p.email or p.phone) if v) for p in people}


@bp.route("/audit/verify", methods=["POST"])
@roles_required(Role.ADMIN)
def audit_verify() -> str:
    """Check the whole chain now and say whether it is intact."""
    verdict = audit.verify()
    audit.record(current_user, "audit.verified", None,
                 {"ok": verdict.ok, "events": verdict.events})
    db.session.commit()
    return render_template("admin/audit_verdict.html", verdict=verdict)


@bp.route("/keys")
@roles_required(Role.ADMIN)
def keys() -> str:
    """Key-encryption key versions and how many data keys each one wraps."""
    return render_template("admin/keys.html", status=rotation.status(get_crypto()))


def _staff_member(uid: str) -> User:
    user = services.staff_member(uid)
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
