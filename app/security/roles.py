"""The roles a person may hold: owned by security, since access rules are written in them."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """What a person may do; staff may hold several."""

    WORKER = "worker"
    COUNSELLOR = "counsellor"
    SOCIAL_WORKER = "social_worker"
    ADMIN = "admin"
    # Leads events and group sessions at its centres (工会 + 社工 + 志愿者): sees the names on
    # its own events' lists, never screening results, notes or the risk queue.
    FACILITATOR = "facilitator"
