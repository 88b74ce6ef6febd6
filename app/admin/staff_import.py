"""Staff brought in by the hundred: a CSV checked row by row (dry run), then imported whole.

Columns (any order, a header row first): ``name, phone, email, roles, centres``; roles and
centres may list several, separated by ``;``. Each role is held at each listed centre, and
every centre must be one the importing admin runs. Nothing is written unless every row is
right (one transaction). Each new person gets an invitation by email or SMS with a link to
choose their password; they pair their authenticator at their first sign-in. No password is
hashed here, so 500 rows take seconds, not minutes.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from dataclasses import dataclass, field

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts import password_reset
from app.accounts import services as accounts
from app.accounts.contact import ContactError, normalise_email, normalise_phone
from app.accounts.models import Role, User
from app.admin.services import AdminError, admin_scope, all_centres, require_admin
from app.booking.models import Centre, centre_staff
from app.extensions import db
from app.i18n import BABEL_CODES
from app.notifications.notices import Notice, deliver

MAX_ROWS = 2000
MAX_BYTES = 1_000_000
# The password an invitee has until they choose one: not an argon2 hash, so nothing matches.
UNSET_HASH = "!invited:"
COLUMNS = {
    "name": ("name", "姓名"), "phone": ("phone", "mobile", "手机", "手机号"),
    "email": ("email", "e-mail", "邮箱", "电子邮箱"), "roles": ("roles", "role", "角色"),
    "centres": ("centres", "centre", "centers", "center", "中心"),
}
ROLE_WORDS = {
    Role.ADMIN: ("admin", "administrator", "管理员"),
    Role.COUNSELLOR: ("counsellor", "counselor", "咨询师", "心理咨询师"),
    Role.SOCIAL_WORKER: ("social_worker", "social worker", "socialworker", "社工", "社会工作者"),
}
_SPLIT = re.compile(r"[;；|、]+")

FILE_PROBLEM = _l("The file could not be read: save it as CSV in UTF-8 with a header row "
                  "(name, phone, email, roles, centres).")
TOO_MANY = _l("At most %(n)d rows per file: split it.", n=MAX_ROWS)
EMPTY = _l("The file has no staff rows.")
NOT_IMPORTED = _l("Nothing was imported: correct the rows marked below and check again.")


@dataclass
class RowCheck:
    """One CSV row: what it will create, or why it cannot."""

    line: int
    name: str
    email: str | None = None
    phone: str | None = None
    roles: list[Role] = field(default_factory=list)
    centres: list[Centre] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportCheck:
    """The dry run: every row's outcome, or a problem with the whole file."""

    rows: list[RowCheck]
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None and bool(self.rows) and all(r.ok for r in self.rows)

    @property
    def bad_rows(self) -> int:
        return sum(1 for r in self.rows if not r.ok)


def _header(cells: list[str]) -> dict[str, int] | None:
    found = {}
    for i, cell in enumerate(cells):
        word = cell.strip().lower()
        for column, names in COLUMNS.items():
            if word in names:
                found[column] = i
    return found if set(found) == set(COLUMNS) else None


def _roles(text: str, row: RowCheck) -> None:
    words = {w.strip().lower() for w in _SPLIT.split(text) if w.strip()}
    for word in sorted(words):
        role = next((r for r, names in ROLE_WORDS.items() if word in names), None)
        if role is None:
            row.errors.append(_("Unknown role “%(role)s”: use admin, counsellor or "
                                "social_worker.", role=word[:40]))
        elif role not in row.roles:
            row.roles.append(role)
    if not words:
        row.errors.append(_("Give at least one role."))


def _centres(text: str, row: RowCheck, mine: dict[str, Centre]) -> None:
    codes = {c.strip().lower() for c in _SPLIT.split(text) if c.strip()}
    for code in sorted(codes):
        centre = mine.get(code)
        if centre is None:  # unknown, or another admin's: the same answer
            row.errors.append(_("No centre “%(code)s” among yours.", code=code[:40]))
        else:
            row.centres.append(centre)
    if not codes:
        row.errors.append(_("Give at least one centre code."))


def check_csv(actor: User, data: bytes | str) -> ImportCheck:
    """The dry run: read and check every row; changes nothing."""
    require_admin(actor)
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            return ImportCheck([], str(FILE_PROBLEM))
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ImportCheck([], str(FILE_PROBLEM))
    data = data.lstrip("\ufeff")
    try:
        lines = list(csv.reader(io.StringIO(data)))
    except csv.Error:
        return ImportCheck([], str(FILE_PROBLEM))
    lines = [cells for cells in lines if any(c.strip() for c in cells)]
    header = _header(lines[0]) if lines else None
    if header is None:
        return ImportCheck([], str(FILE_PROBLEM))
    if len(lines) - 1 > MAX_ROWS:
        return ImportCheck([], str(TOO_MANY))
    if len(lines) == 1:
        return ImportCheck([], str(EMPTY))
    scope = admin_scope(actor)
    mine = {c.code.lower(): c for c in all_centres() if scope.covers(c.id)}
    rows: list[RowCheck] = []
    for number, cells in enumerate(lines[1:], start=2):
        def cell(column: str, cells: list[str] = cells) -> str:
            i = header[column]
            return cells[i].strip() if i < len(cells) else ""

        row = RowCheck(number, cell("name")[:60])
        if not row.name:
            row.errors.append(_("Give a name."))
        email, phone = cell("email"), cell("phone")
        if not email and not phone:
            row.errors.append(_("Give an email address or a mobile number."))
        try:
            row.email = normalise_email(email) if email else None
        except ContactError as exc:
            row.errors.append(str(exc.message))
        try:
            row.phone = normalise_phone(phone) if phone else None
        except ContactError as exc:
            row.errors.append(str(exc.message))
        _roles(cell("roles"), row)
        _centres(cell("centres"), row, mine)
        rows.append(row)
    _check_duplicates(rows)
    return ImportCheck(rows)


def _check_duplicates(rows: list[RowCheck]) -> None:
    """The same address twice in the file, or an address that already has an account."""
    seen: dict[str, int] = {}
    indexes: dict[str, list[RowCheck]] = {}
    for row in rows:
        for kind, value in (("email", row.email), ("phone", row.phone)):
            if not value:
                continue
            key = f"{kind}:{value}"
            if key in seen:
                row.errors.append(_("The same %(what)s is on line %(line)d.",
                                    what=_("email") if kind == "email" else _("mobile number"),
                                    line=seen[key]))
            else:
                seen[key] = row.line
            index = (accounts.email_index(value) if kind == "email"
                     else accounts.phone_index(value))
            indexes.setdefault(index, []).append(row)
    taken: set[str] = set()
    keys = list(indexes)
    for start in range(0, len(keys), 500):
        part = keys[start:start + 500]
        taken |= set(db.session.scalars(select(User.email_index).where(
            User.email_index.in_(part))))
        taken |= set(db.session.scalars(select(User.phone_index).where(
            User.phone_index.in_(part))))
    for index in taken:
        for row in indexes[index]:
            message = _("An account with this email or mobile number already exists.")
            if message not in row.errors:
                row.errors.append(message)


def import_csv(actor: User, data: bytes | str) -> int:
    """Check again, then create every row's account and invitation in one transaction.

    Returns how many were created; ``AdminError`` (and nothing written) when any row is
    wrong. Committed.
    """
    check = check_csv(actor, data)
    if not check.ok:
        raise AdminError(check.problem or NOT_IMPORTED)
    people: list[tuple[User, RowCheck]] = []
    for row in check.rows:
        user = User(email_index=accounts.email_index(row.email) if row.email else None,
                    phone_index=accounts.phone_index(row.phone) if row.phone else None,
                    password_hash=UNSET_HASH + secrets.token_hex(8))
        user.email, user.phone, user.name = row.email, row.phone, row.name
        for role in row.roles:
            for centre in row.centres:
                user.grant(role, centre.id)
        db.session.add(user)
        people.append((user, row))
    try:
        db.session.flush()
        db.session.execute(centre_staff.insert(), [
            {"centre_id": centre.id, "user_id": user.id}
            for user, row in people for centre in row.centres])
        for user, row in people:
            audit.record(actor, "account.staff_imported", user,
                         {"roles": sorted(r.value for r in row.roles),
                          "centres": sorted(c.id for c in row.centres)})
            _invite(user)
        db.session.commit()
    except IntegrityError:  # someone took an address since the check
        db.session.rollback()
        raise AdminError(NOT_IMPORTED) from None
    return len(people)


def _invite(user: User) -> None:
    """Email or SMS (their channels) a link to choose a password; the caller commits."""
    token = password_reset.issue_invitation(user)
    base = current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    link = base + url_for("accounts.reset_link", token=token)
    with force_locale(BABEL_CODES.get(user.locale or "zh_CN", "zh_Hans_CN")):
        subject = _("You are invited to Xinqing as staff")
        text = _("An administrator added you to Xinqing, the workers' psychological service, "
                 "as staff.\n\nOpen this link within 7 days to choose your password:\n"
                 "%(link)s\n\nAt your first sign-in you will pair an authenticator app on "
                 "your phone.", link=link)
    deliver(user, Notice("account.staff_invited", subject=subject, text=text, link=link))
