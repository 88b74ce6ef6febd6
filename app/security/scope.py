"""Where a role reaches: the one rule for scoped roles in the "1+N" network.

A role is held at a centre (``UserRole.centre_id``). Held at the city hub, or with no centre
(the first administrator, made before the network had a hub), it covers the whole network;
held at a county centre, it covers that centre only. Admin services and the reports filter
ask here, and nowhere else decides it. (Security imports no domain package, so centres are
read through the table, not the booking model.)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.security.roles import Role

HUB_KIND = "hub"


@dataclass(frozen=True)
class Scope:
    """The centres a role reaches; ``everywhere`` for the whole network (new centres too)."""

    everywhere: bool
    centre_ids: frozenset[int]

    def covers(self, centre_id: int | None) -> bool:
        """True when the centre is inside the scope (no centre: only for the whole network)."""
        return self.everywhere or (centre_id is not None and centre_id in self.centre_ids)

    def covers_all(self, centre_ids: Iterable[int]) -> bool:
        """True when every one of ``centre_ids`` is inside, and (county scope) there is one."""
        wanted = set(centre_ids)
        return self.everywhere or (bool(wanted) and wanted <= self.centre_ids)

    def __bool__(self) -> bool:
        return self.everywhere or bool(self.centre_ids)


NOWHERE = Scope(False, frozenset())


def _hub_ids(centre_ids: set[int]) -> set[int]:
    centres = db.metadata.tables["centres"]
    return set(db.session.scalars(select(centres.c.id).where(
        centres.c.id.in_(centre_ids), centres.c.kind == HUB_KIND)))


def centres_in_scope(user: Any, *roles: Role | str) -> Scope:
    """Where ``user``'s ``roles`` reach, together (nowhere for a stranger or anonymous)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return NOWHERE
    wanted = {Role(r).value for r in roles}
    held = {link.centre_id for link in user.role_links if link.role in wanted}
    if not held:
        return NOWHERE
    if None in held:
        return Scope(True, frozenset())
    ids = frozenset(i for i in held if i is not None)
    # A page asks several times per request; the person object lives for one request, so
    # the answer is kept on it, keyed by the roles' centres (a role change shows at once).
    memo: dict[frozenset[int], Scope] = user.__dict__.setdefault("_scope_memo", {})
    if ids not in memo:
        memo[ids] = Scope(True, frozenset()) if _hub_ids(set(ids)) else Scope(False, ids)
    return memo[ids]
