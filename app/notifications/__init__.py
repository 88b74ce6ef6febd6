"""Notifications: an outbox of emails written with the change that causes them, sent later."""
