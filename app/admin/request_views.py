"""Admin pages for enterprise event requests: the list, one request, accept, decline.
Thin: app/admin/event_requests.py checks the scope and holds the rules."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.accounts.models import Role, User
from app.admin import bp, event_requests, services
from app.admin.request_forms import AcceptRequestForm, DeclineRequestForm
from app.booking.models import ServiceKind
from app.booking.scheduling import local_zone
from app.events.models import EventRequest
from app.extensions import db
from app.i18n import current_locale
from app.refusals_shown import show_on_form
from app.security.access import roles_required
from app.types import utcnow

KIND_OF_SERVICE = {ServiceKind.GROUP.value: "group", ServiceKind.RELAXATION.value: "relaxation",
                   ServiceKind.LECTURE.value: "lecture"}


def _actor() -> User:
    return current_user._get_current_object()


def _request_or_404(uid: str) -> EventRequest:
    try:
        return event_requests.find(_actor(), uid)
    except services.OutOfScopeError:
        abort(404)


@bp.route("/event-requests")
@roles_required(Role.ADMIN)
def event_requests_list() -> str:
    """Requests to this admin's centres, those waiting first."""
    return render_template("admin/event_requests.html",
                           rows=event_requests.in_scope(_actor()), lang=current_locale())


def _forms(row: EventRequest, accept: AcceptRequestForm | None = None,
           decline: DeclineRequestForm | None = None
           ) -> tuple[AcceptRequestForm, DeclineRequestForm]:
    accept = accept or AcceptRequestForm(formdata=None, data={
        "kind": KIND_OF_SERVICE.get(row.service.kind, "workshop"),
        "title_zh": f"{row.enterprise} · {row.service.name_zh}"[:120],
        "day": row.first_choice, "start": time(14), "capacity": row.audience_size,
        "closes_hours_before": 2})
    accept.leader.choices = [
        SelectChoice(str(u.id), u.name or u.uid[:8])
        for u in services.event_leaders(_actor())
        if u in row.centre.staff or u.has_role(Role.COUNSELLOR)]
    return accept, decline or DeclineRequestForm(formdata=None)


def _page(row: EventRequest, accept: AcceptRequestForm | None = None,
          decline: DeclineRequestForm | None = None) -> str:
    accept, decline = _forms(row, accept, decline)
    return render_template("admin/event_request.html", row=row, accept=accept,
                           decline=decline, lang=current_locale())


@bp.route("/event-requests/<uid>")
@roles_required(Role.ADMIN)
def event_request(uid: str) -> str:
    """One request: what was asked, and the two answers."""
    return _page(_request_or_404(uid))


@bp.route("/event-requests/<uid>/accept", methods=["POST"])
@roles_required(Role.ADMIN)
def accept_event_request(uid: str) -> str | Response:
    """Schedule the event at the enterprise's site; the requester is told."""
    row = _request_or_404(uid)
    form = AcceptRequestForm()
    _forms(row, form)
    if form.validate_on_submit():
        zone = local_zone()
        starts_at = datetime.combine(form.day.data, form.start.data, zone)
        plan = services.EventPlan(
            centre_id=row.centre_id, service_id=row.service_id, leader_id=form.leader.data,
            starts_at=starts_at, opens_at=min(utcnow(), starts_at - timedelta(hours=1)),
            closes_at=starts_at - timedelta(hours=form.closes_hours_before.data or 0),
            kind=form.kind.data or "", place="site", capacity=form.capacity.data,
            texts={"title_zh": form.title_zh.data or "", "title_en": form.title_en.data or "",
                   "speaker": form.speaker.data or "", "site_zh": row.site,
                   "audience_zh": row.enterprise})
        try:
            event = event_requests.accept(_actor(), row, plan)
        except services.OutOfScopeError:
            abort(404)
        except services.AdminError as exc:
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Accepted: the event is scheduled and the requester is told."), "success")
            return redirect(url_for("events.detail", uid=event.uid), code=303)
    return _page(row, accept=form)


@bp.route("/event-requests/<uid>/decline", methods=["POST"])
@roles_required(Role.ADMIN)
def decline_event_request(uid: str) -> str | Response:
    """Decline with a reason; the requester is told."""
    row = _request_or_404(uid)
    form = DeclineRequestForm()
    if form.validate_on_submit():
        try:
            event_requests.decline(_actor(), row, form.reason.data or "")
        except services.OutOfScopeError:
            abort(404)
        except services.AdminError as exc:
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Declined: the requester is told why."), "success")
            return redirect(url_for("admin.event_requests_list"), code=303)
    return _page(row, decline=form)
