"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.types import UTCDateTime, utcnow

GENESIS = "0" * 64


class AuditEvent(Model):
    """One event. ``mac`` chains it to the previous event (see services.verify)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(80), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditHead(Model):
    """A single row holding the chain's tip; updating it first serialises writers.

    ``anchor_seq``/``anchor_mac`` name the last event removed by retention (0 and GENESIS
    while nothing was removed): the chain is verified from there, and an ``audit.pruned``
    event inside the chain vouches for the anchor (see app/security/retention.py).
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_mac: Mapped[str] = mapped_column(String(64), default=GENESIS)
    anchor_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    anchor_mac: Mapped[str] = mapped_column(String(64), default=GENESIS,
                                            server_default=GENESIS)


event.listen(
    AuditHead.__table__,
    "after_create",
    # GENESIS is a constant of zeros, not input.
    DDL(f"INSERT INTO audit_head (id, seq, last_mac) VALUES (1, 0, '{GENESIS}')"),  # noqa: S608 # nosec B608
)
