"""The page an SMS link opens: "I will come" or "cancel" for that one booking."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.booking import bp, sms_links
from app.booking.bookings import BookingError
from app.booking.forms import ActionForm
from app.booking.labels import when
from app.refusals_shown import show_refusal
from app.security.access import public


@bp.route("/s/<code>")
@public
def sms_link(code: str) -> ResponseReturnValue:
    """What the link is for, and the two buttons (no sign-in needed: the link is the key)."""
    try:
        link = sms_links.find(code)
    except sms_links.LinkError as exc:
        return render_template("booking/sms_link_dead.html", message=exc.message), 404
    session = link.booking.session
    return render_template("booking/sms_link.html", code=code, when=when(session.starts_at),
                           confirmed=link.confirmed_at is not None, form=ActionForm())


@bp.route("/s/<code>/confirm", methods=["POST"])
@public
def sms_link_confirm(code: str) -> Response:
    """Tell the centre the person will come."""
    if ActionForm().validate_on_submit():
        try:
            sms_links.confirm(code)
        except sms_links.LinkError as exc:
            show_refusal(exc)
        else:
            flash(_("Thank you. We have noted that you will come."), "success")
    return redirect(url_for("booking.sms_link", code=code))


@bp.route("/s/<code>/cancel", methods=["POST"])
@public
def sms_link_cancel(code: str) -> Response:
    """Cancel that booking (the seat goes to the waiting list)."""
    if ActionForm().validate_on_submit():
        try:
            sms_links.cancel(code)
        except (sms_links.LinkError, BookingError) as exc:
            show_refusal(exc)
        else:
            flash(_("Your booking is cancelled."), "success")
            return redirect(url_for("main.home"))
    return redirect(url_for("booking.sms_link", code=code))
