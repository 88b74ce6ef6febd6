"""Audit log: every sensitive read and write, chained so that edits show."""

from app.audit.services import anchor, record, search, verify

__all__ = ["anchor", "record", "search", "verify"]
