"""The union's list of eligible members (who belongs to which enterprise's union), so that
a worker's account can say "您是XX企业工会会员" without asking them.

Only the phone number's blind index is stored (the same keyed hash accounts use to find a
number), never the number itself; an account matches by its own number's index. The list
is the union's roster, not the person's account: deleting an account leaves it, and a
new import of an enterprise replaces that enterprise's rows. Imports are all-or-nothing,
with a dry run; the command is ``flask members import FILE [--dry-run]``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.contact import ContactError, normalise_phone
from app.accounts.models import User
from app.accounts.services import phone_index
from app.extensions import Model, db
from app.types import UTCDateTime, utcnow

COLUMNS = ("phone", "enterprise", "sector")
MAX_ROWS = 100_000


class EnterpriseMember(Model):
    """One union member of one enterprise, by the blind index of their mobile number."""

    __tablename__ = "enterprise_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_index: Mapped[str] = mapped_column(String(64), unique=True)
    enterprise: Mapped[str] = mapped_column(String(120), index=True)
    sector: Mapped[str] = mapped_column(String(60), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass
class Checked:
    """A file's rows, checked: what would be stored, and each bad row's number and reason."""

    # the number's blind index -> (enterprise, sector)
    rows: dict[str, tuple[str, str]] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def enterprises(self) -> set[str]:
        """The enterprises the file lists (their rows are replaced on import)."""
        return {enterprise for enterprise, _sector in self.rows.values()}


def check(text: str) -> Checked:
    """Read a UTF-8 CSV with the header ``phone,enterprise,sector``; nothing is written."""
    result = Checked()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if [c.strip().lower() for c in (reader.fieldnames or [])][:3] != list(COLUMNS):
        result.errors.append((1, "the header must be: phone,enterprise,sector"))
        return result
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            result.errors.append((number, f"more than {MAX_ROWS} rows"))
            break
        try:
            phone = normalise_phone((row.get("phone") or "").strip())
        except ContactError:
            result.errors.append((number, "not a mainland mobile number"))
            continue
        enterprise = (row.get("enterprise") or "").strip()
        if not enterprise or len(enterprise) > 120:
            result.errors.append((number, "the enterprise is missing or too long"))
            continue
        index = phone_index(phone)
        if index in result.rows:
            result.errors.append((number, "this number is listed twice"))
            continue
        result.rows[index] = (enterprise, (row.get("sector") or "").strip()[:60])
    return result


def store(checked: Checked) -> int:
    """Replace the listed enterprises' members (and any other row of these numbers) with
    the file's; refuses a file with errors. The caller commits."""
    if checked.errors:
        raise ValueError("the file has errors: nothing was imported")
    indexes = list(checked.rows)
    db.session.execute(delete(EnterpriseMember).where(
        EnterpriseMember.enterprise.in_(checked.enterprises)))
    for start in range(0, len(indexes), 500):
        db.session.execute(delete(EnterpriseMember).where(
            EnterpriseMember.phone_index.in_(indexes[start:start + 500])))
    now = utcnow()
    db.session.add_all([EnterpriseMember(phone_index=i, enterprise=e, sector=s, imported_at=now)
                        for i, (e, s) in checked.rows.items()])
    db.session.flush()
    return len(indexes)


def membership(user: User) -> EnterpriseMember | None:
    """The enterprise union the person's mobile number is listed under, if any."""
    index = getattr(user, "phone_index", None)
    if not index:
        return None
    return db.session.scalar(select(EnterpriseMember).where(
        EnterpriseMember.phone_index == index))


def export_membership(user: User) -> dict[str, str] | None:
    """In the person's copy: the enterprise union their number is listed under."""
    found = membership(user)
    return None if found is None else {"enterprise": found.enterprise, "sector": found.sector}


def register() -> None:
    """Plug the member list into the person's copy of their data (app/accounts/privacy.py)."""
    from app.accounts.privacy import register_exporter

    register_exporter("union_membership", export_membership)
