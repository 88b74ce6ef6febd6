"""The one check of a questionnaire's answers, shared by the pages and the API.

Answers arrive by name (``q1``... for scored items, ``x_<code>`` for the unscored extras);
each must be one of the printed options, every question needs one, and nothing else counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l

from app.domain import DomainError
from app.screening.services import questions, split_answers, unanswered
from assessments import Instrument


class AnswerError(DomainError):
    """Answers missing, not one of the options, or for questions the instrument lacks."""

    def __init__(self, missing: list[str], unknown: list[str]) -> None:
        super().__init__(_l("Please answer every question with one of its options."))
        self.missing, self.unknown = missing, unknown


def check_answers(instrument: Instrument, chosen: Mapping[str, object]
                  ) -> tuple[list[int], dict[str, int]]:
    """The scored answers in item order and the extras by code; AnswerError otherwise."""
    names = {name for name, _question in questions(instrument)}
    unknown = sorted(set(chosen) - names)
    missing = unanswered(instrument, dict(chosen))
    if missing or unknown:
        raise AnswerError(missing, unknown)
    return split_answers(instrument, dict(chosen))  # type: ignore[arg-type]
