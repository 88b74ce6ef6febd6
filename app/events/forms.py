"""Forms of the event pages (the request of a union contact); each carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.accounts.forms import REQUIRED


class EventRequestForm(FlaskForm):
    """点单式服务: a service from a centre's menu, at the enterprise's site, on proposed dates."""

    centre = SelectField(_l("Centre"), coerce=int, choices=[], validators=[InputRequired()])
    service = SelectField(_l("What the centre should hold"), coerce=int, choices=[],
                          validators=[InputRequired()])
    enterprise = StringField(_l("Enterprise"), validators=[DataRequired(REQUIRED),
                                                           Length(max=120)])
    site = StringField(_l("Where (the address of your site or workers' home)"),
                       validators=[DataRequired(REQUIRED), Length(max=200)])
    phone = StringField(_l("Union office phone"),
                        validators=[DataRequired(REQUIRED), Length(max=40)],
                        description=_l("The centre calls this number to settle the details. "
                                       "Give your union office's number."))
    audience_size = IntegerField(_l("How many people will come"),
                                 validators=[InputRequired(REQUIRED), NumberRange(1, 500)])
    first_choice = DateField(_l("Preferred date"), validators=[DataRequired(REQUIRED)])
    second_choice = DateField(_l("Another possible date (optional)"), validators=[Optional()])
    note = TextAreaField(_l("Anything the centre should know (optional)"),
                         validators=[Optional(), Length(max=1000)],
                         description=_l("For example the time of day that suits your "
                                        "shifts. Please write no one's health details here."))
