"""Forms of staff-assisted recovery: staff issue a code, the worker redeems it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, StringField
from wtforms.validators import DataRequired, Length

from app.accounts.forms import REQUIRED


class IssueRecoveryForm(FlaskForm):
    """The worker to help, how their identity was checked, and the staff member's word."""

    login = StringField(_l("Worker's mobile number or email"),
                        validators=[DataRequired(REQUIRED), Length(max=254)])
    method = RadioField(_l("How you checked who they are"),
                        choices=[
                            SelectChoice("in_person", _l("In person, with an identity document")),
                            SelectChoice("phone",
                                         _l("By phone, with questions only they can answer"))],
                        validators=[DataRequired(REQUIRED)])
    checked = BooleanField(_l("I have checked that this person is the account holder."),
                           validators=[DataRequired(_l("Please confirm that you checked "
                                                       "who they are."))])


class RedeemRecoveryForm(FlaskForm):
    """The worker's login and the code their centre read out to them."""

    login = StringField(_l("Your mobile number or email"),
                        validators=[DataRequired(REQUIRED), Length(max=254)],
                        render_kw={"autocomplete": "username"})
    code = StringField(_l("Recovery code from your centre"),
                       validators=[DataRequired(REQUIRED), Length(max=24)],
                       description=_l("10 digits, valid for 30 minutes, usable once."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
