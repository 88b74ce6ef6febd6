"""The one error type every domain service raises when a rule says no.

Views and the API catch ``DomainError`` in one place each, roll back and show
``message`` (already translated for the reader); nothing was changed.
"""

from __future__ import annotations


class DomainError(ValueError):
    """A rule refused the action; ``message`` is translated for the reader."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message
