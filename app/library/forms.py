"""Forms of the library (all with CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

KIND_CHOICES = [SelectChoice("article", _l("Article")),
                SelectChoice("audio", _l("Guided audio exercise"))]
LANG_CHOICES = [SelectChoice("zh", "中文"), SelectChoice("en", "English")]


class ItemForm(FlaskForm):
    """One version of an item: its words, its tags and (for audio) a recording."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = StringField(_l("One-line summary"), validators=[Optional(), Length(max=500)])
    body = TextAreaField(_l("Text (Markdown: paragraphs, ## headings, lists, **bold**, "
                            "*italic*, links)"), validators=[Optional(), Length(max=60_000)])
    transcript = TextAreaField(_l("Transcript of the recording"),
                               validators=[Optional(), Length(max=60_000)])
    tags = SelectMultipleField(_l("Tags: topics, and the questionnaire results it suits"),
                               choices=[], validate_choice=True, option_widget=CheckboxInput(),
                               widget=ListWidget(prefix_label=False))
    audio = FileField(_l("Recording (MP3, M4A, AAC, WAV, OGG, Opus or FLAC)"))


class NewItemForm(ItemForm):
    """A new item: also its kind and language, fixed from then on."""

    kind = SelectField(_l("Kind"), choices=KIND_CHOICES, validators=[InputRequired()])
    lang = SelectField(_l("Language"), choices=LANG_CHOICES, validators=[InputRequired()])


class ActionForm(FlaskForm):
    """A bare button (submit, approve, send back, new version): the CSRF token only."""


class FilterForm(FlaskForm):
    """The list's filters (GET, no CSRF: reading changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice("", _l("All kinds")), *KIND_CHOICES],
                       validators=[Optional()])
    tag = SelectField(_l("Topic"), choices=[], validators=[Optional()])
