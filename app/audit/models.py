"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, Integer, Sequence, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.types import UTCDateTime, utcnow

GENESIS = "0" * 64
# Audited writes are spread over this many chains (by a hash of the actor), so that they
# queue on one of CHAINS head rows instead of one for the whole system. Changing it needs a
# migration that adds or removes head rows (a chain's events always stay in their chain).
CHAINS = 16
# Global order of events (what pages and exports sort by): a PostgreSQL sequence, which
# never blocks; on SQLite, where writers are serialised anyway, record() counts.
EVENT_ORDER = Sequence("audit_events_seq_seq")


class AuditEvent(Model):
    """One event. ``mac`` chains it to the previous event of its chain (services.verify).

    ``seq`` orders all events; ``chain`` and ``link`` (1, 2, 3... within the chain) are
    what the chain proves: a missing ``link`` is a deleted event.
    """

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "link", name="uq_audit_events_chain_link"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, EVENT_ORDER, unique=True)
    chain: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    link: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(32), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str | None] = mapped_column(String(80), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))


class AuditHead(Model):
    """One row per chain (``id`` is the chain) holding its tip: ``seq`` is the last link.

    Updating it first serialises the writers of one chain only. ``anchor_seq``/
    ``anchor_mac`` name the chain's last event removed by retention (0 and GENESIS while
    nothing was removed): the chain is verified from there, and an ``audit.pruned`` event
    vouches for the anchor (see app/security/retention.py).
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
    # GENESIS is a constant of zeros and CHAINS a number, not input.
    DDL("INSERT INTO audit_head (id, seq, last_mac) VALUES "  # noqa: S608 # nosec B608
        + ", ".join(f"({c}, 0, '{GENESIS}')" for c in range(CHAINS))),
)


class AuditAnchor(Model):
    """Every chain's tip at one moment, keyed and chained (``flask audit anchor``, hourly).

    The chains prove their own order; an anchor proves their tips: a chain cut back past
    an anchored tip (its newest events and its head row rewound together) is noticed.
    """

    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heads: Mapped[list] = mapped_column(JSON)  # [[link, mac], ...] by chain
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
