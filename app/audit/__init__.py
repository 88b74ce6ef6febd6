"""Audit log: every sensitive read and write, chained so that edits show."""

from app.audit.services import record, search, verify

__all__ = ["record", "search", "verify"]
