"""Exceptions of the assessments package, kept apart so every module can raise them."""

from __future__ import annotations


class AssessmentError(Exception):
    """Base class, so callers can catch anything this package raises on purpose."""


class UnknownInstrument(AssessmentError, KeyError):  # noqa: N818 - name fixed by the API
    """No instrument has this code (a KeyError, so mapping-style callers still work)."""

    def __init__(self, code: object, known: tuple[str, ...] = ()) -> None:
        self.code = code
        self.known = known
        super().__init__(code)

    def __str__(self) -> str:
        # KeyError.__str__ would repr() the key; give a sentence instead.
        known = ", ".join(self.known) or "none"
        return f"unknown instrument {self.code!r} (known: {known})"


class UnknownBandError(AssessmentError, KeyError):
    """The instrument has no band with this code."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown band"


class UnsupportedLanguageError(AssessmentError, ValueError):
    """A language other than zh or en was asked for."""


class ScoringError(AssessmentError, ValueError):
    """Answers cannot be scored: wrong count, wrong type, or points not on the form."""


class InstrumentFileError(AssessmentError):
    """A data file is broken; the message names the file and every problem found."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: invalid instrument file:\n{lines}")
