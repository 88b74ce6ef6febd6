"""The "My data" page: a copy, consents, who opened my records, and deleting the account."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from app.accounts import bp, privacy, services
from app.accounts.forms import DeleteAccountForm
from app.i18n import current_locale
from app.refusals_shown import show_on_form
from app.security.access import login_required

CONSENT_PURPOSES = {"privacy_notice": _l("Privacy notice (your account)"),
                    "health_data": _l("Processing your health data (saved results)"),
                    "safety_contact": _l("Being contacted by a counsellor if your answers "
                                         "suggest you may be at risk")}
ACCESS_LABELS = {"account.locked": _l("An administrator locked your account"),
                 "account.unlocked": _l("An administrator unlocked your account"),
                 "account.sessions_ended": _l("An administrator signed you out everywhere"),
                 "screening.shared_read": _l("A counsellor opened a result you shared"),
                 "risk.read": _l("A counsellor opened your request for contact"),
                 "risk.resolved": _l("A counsellor recorded the follow-up of your request"),
                 "safety_plan.read": _l("A counsellor read the safety plan you shared"),
                 "risk.attempted": _l("A counsellor tried to reach you about your request"),
                 "risk.reached": _l("A counsellor recorded that they reached you"),
                 "risk.referred": _l("A counsellor recorded a referral after your request"),
                 "risk.closed": _l("A counsellor recorded the follow-up of your request"),
                 "note.read": _l("A counsellor read a session note about you"),
                 "note.written": _l("A counsellor wrote a session note about you"),
                 "account.recovery_issued": _l("Your centre issued a recovery code "
                                               "for your account"),
                 "mfa.reset_requested": _l("An administrator asked to reset your "
                                           "authenticator"),
                 "audit.revealed": _l("An administrator saw your name in the audit log"),
                 "screening.shared_list": _l("A counsellor opened the list of shared results")}
ROLE_NAMES = {"counsellor": _l("Counsellor"), "social_worker": _l("Social worker"),
              "admin": _l("Administrator")}


def _me():
    return current_user._get_current_object()


@bp.route("/data")
@login_required
def my_data() -> str:
    """What we hold, consents, the access history and the way out."""
    user = _me()
    return render_template(
        "accounts/my_data.html", consents=privacy.active_consents(user),
        history=privacy.access_entries(user, current_locale()), role_labels=ROLE_NAMES,
        form=DeleteAccountForm(),
        account_consents=privacy.ACCOUNT_CONSENTS, consent_purposes=CONSENT_PURPOSES,
        access_labels=ACCESS_LABELS,
    )


@bp.route("/data/download", methods=["POST"])
@login_required
def download_my_data() -> Response:
    """Everything as one JSON file (POST, so no link or prefetch can trigger it)."""
    document = privacy.export(_me())
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="xinqing-my-data.json"'})


@bp.route("/data/consents/<int:consent_id>/withdraw", methods=["POST"])
@login_required
def withdraw_consent(consent_id: int) -> ResponseReturnValue:
    """Withdraw one consent."""
    if privacy.withdraw_consent(_me(), consent_id):
        flash(_("Your consent is withdrawn. We no longer process your data for that purpose."),
              "success")
    else:
        flash(_("That consent cannot be withdrawn here."), "error")
    return redirect(url_for("accounts.my_data"))


@bp.route("/data/delete", methods=["POST"])
@login_required
def delete_account() -> ResponseReturnValue:
    """Delete the account for good."""
    user = _me()
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(user, form.password.data)
        except services.AccountError as exc:
            show_on_form(form, exc)
        else:
            logout_user()
            session.clear()
            flash(_("Your account and everything in it have been deleted."), "success")
            return redirect(url_for("main.home"))
    return render_template(
        "accounts/my_data.html", consents=privacy.active_consents(user),
        history=privacy.access_entries(user, current_locale()), role_labels=ROLE_NAMES, form=form,
        account_consents=privacy.ACCOUNT_CONSENTS, consent_purposes=CONSENT_PURPOSES,
        access_labels=ACCESS_LABELS,
    ), 400
