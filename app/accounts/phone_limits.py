"""How many SMS codes may be requested: per number, per address, and in all per day.

SMS costs money and can bomb someone's phone. The counts are the rows of ``PhoneCode``
(every request, sent or not), so they hold across processes without Redis and count
what actually happened, not failed form posts. Settings use Flask-Limiter's notation:
``SMS_CODE_NUMBER_LIMIT`` (default 1 per minute, 5 per hour, 10 per day),
``SMS_CODE_ADDRESS_LIMIT`` (generous: a factory signs up behind one NAT address) and
``SMS_CODE_DAILY_CAP`` (all numbers together).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many
from sqlalchemy import ColumnElement, func, select

from app.accounts.phone_models import PhoneCode
from app.domain import DomainError
from app.extensions import db


class CodeLimitError(DomainError):
    """Too many codes asked for; the message never says whether the number has an account."""


TOO_MANY = _l("Too many codes were requested. Please wait a little and try again.")


def _count(since: datetime, *where: ColumnElement[bool]) -> int:
    return db.session.scalar(select(func.count(PhoneCode.id))
                             .where(PhoneCode.created_at > since, *where)) or 0


def _over(rule: str, now: datetime, *where: ColumnElement[bool]) -> bool:
    for item in parse_many(rule):
        window = timedelta(seconds=item.get_expiry())
        if _count(now - window, *where) >= item.amount:
            return True
    return False


def check(phone_index: str, address_hash: str, now: datetime) -> str | None:
    """Which limit a new request would break (``number``, ``address``, ``global``), or None."""
    config = current_app.config
    if _over(config["SMS_CODE_NUMBER_LIMIT"], now, PhoneCode.phone_index == phone_index):
        return "number"
    if _over(config["SMS_CODE_ADDRESS_LIMIT"], now, PhoneCode.address_hash == address_hash):
        return "address"
    if _count(now - timedelta(days=1)) >= int(config["SMS_CODE_DAILY_CAP"]):
        return "global"
    return None
