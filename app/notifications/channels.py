"""The senders of the outbox, one per channel (``email``, ``sms``; later WeChat, WeCom).

A sender is opened once per batch (one SMTP connection, one provider client) and sends
the decrypted payloads of its channel. A new channel registers a factory here; the
outbox itself does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol


class SendError(Exception):
    """A message (or the whole connection) could not be sent now; ``str()`` is a short,
    contact-free reason kept as ``last_error``; the outbox retries with back-off."""


class Sender(Protocol):
    """An open connection to one channel's gateway."""

    def __enter__(self) -> Sender: ...

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def send(self, payload: dict) -> None:
        """Deliver one message or raise ``SendError``."""


SENDERS: dict[str, Callable[[], Sender]] = {}


def register_sender(channel: str, factory: Callable[[], Sender]) -> None:
    """Make ``channel`` deliverable; ``factory()`` opens a sender (may raise SendError)."""
    SENDERS[channel] = factory


def open_sender(channel: str) -> Sender:
    """A fresh sender for ``channel``; SendError if no sender is registered."""
    try:
        factory = SENDERS[channel]
    except KeyError:
        raise SendError(f"no sender for channel {channel}") from None
    return factory()
