"""Every role's navigation, in one table that base.html draws.

A feature that needs a way in adds one ``Entry`` line below. Placement decides where it
shows: ``tab`` is the worker's (and visitor's) bottom bar on a phone, ``menu`` the staff
menu; staff never see the worker tabs, so the two sets of links do not mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.security.roles import Role

# Who an entry is for: a role, or ``anon`` for someone not signed in.
ANON = "anon"
Audience = Literal["anon", "worker", "counsellor", "social_worker", "admin", "facilitator"]
Placement = Literal["tab", "menu"]


@dataclass(frozen=True)
class Entry:
    """One link: where it goes, its words, who sees it, and where it sits."""

    endpoint: str
    label: object  # a lazy string, translated when drawn
    roles: frozenset[str]
    placement: Placement
    icon: str = ""  # a symbol id in base.html's sprite (tabs only)
    # Other endpoints under this entry, so it stays marked as current on them.
    also: tuple[str, ...] = field(default=())

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


def _for(*roles: str) -> frozenset[str]:
    return frozenset(roles)


WORKER, COUNSELLOR, SOCIAL, ADMIN, LEADER = (
    Role.WORKER.value, Role.COUNSELLOR.value, Role.SOCIAL_WORKER.value, Role.ADMIN.value,
    Role.FACILITATOR.value)

ENTRIES: tuple[Entry, ...] = (
    # -- the bottom tab bar: visitors and workers ------------------------------------------
    Entry("screening.index", _l("Self-check"), _for(ANON, WORKER), "tab", "check",
          also=("screening.take", "screening.result", "screening.retrieve", "screening.contact",
                "library.index", "library.item")),
    Entry("booking.browse", _l("Book"), _for(ANON, WORKER), "tab", "calendar",
          also=("booking.detail", "booking.mine", "booking.offer", "events.index",
                "events.detail", "events.check_in", "booking.counsellors", "booking.counsellor",
                "events.request_event", "courses.mine", "courses.session_measures",
                "courses.experience")),
    Entry("screening.history", _l("My records"), _for(WORKER), "tab", "chart"),
    Entry("main.me", _l("Me"), _for(WORKER), "tab", "person",
          also=("accounts.account", "accounts.my_data", "accounts.notifications",
                "accounts.security", "accounts.change_password", "accounts.change_contact",
                "screening.plan", "screening.safety_consent")),
    Entry("accounts.login", _l("Sign in"), _for(ANON), "tab", "person",
          also=("accounts.register",)),
    # -- the staff menu, each role its own ------------------------------------------------
    Entry("counselling.home", _l("Today's workspace"), _for(COUNSELLOR), "menu"),
    Entry("counselling.calendar", _l("Calendar"), _for(COUNSELLOR), "menu",
          also=("counselling.session_page",)),
    Entry("screening.risk_queue", _l("Risk queue"), _for(COUNSELLOR), "menu",
          also=("screening.risk_item",)),
    Entry("screening.shared_list", _l("Shared results"), _for(COUNSELLOR), "menu"),
    Entry("counselling.caseload", _l("My clients' courses"), _for(COUNSELLOR), "menu",
          also=("counselling.course_page",)),
    Entry("counselling.availability", _l("My hours"), _for(COUNSELLOR), "menu"),
    Entry("booking.my_profile", _l("My profile"), _for(COUNSELLOR), "menu"),
    Entry("library.staff", _l("Library: writing and review"), _for(COUNSELLOR), "menu",
          also=("library.new_item", "library.version", "library.edit")),
    Entry("events.mine", _l("Events I lead"), _for(LEADER, COUNSELLOR), "menu",
          also=("events.lead",)),
    Entry("reports.dashboard", _l("Reports"), _for(SOCIAL, ADMIN), "menu"),
    Entry("reports.outcomes", _l("Outcomes of counselling"), _for(SOCIAL, ADMIN), "menu"),
    Entry("reports.library_use", _l("Self-help library use"), _for(SOCIAL, ADMIN), "menu"),
    Entry("admin.index", _l("Administration"), _for(ADMIN), "menu"),
    Entry("events.index", _l("Events"), _for(LEADER, ADMIN), "menu"),
    Entry("admin.event_requests_list", _l("Event requests"), _for(ADMIN), "menu"),
    Entry("accounts.account", _l("My account"), _for(COUNSELLOR, SOCIAL, ADMIN, LEADER), "menu"),
)

# Where each role lands after signing in with nowhere else to go, most specific first.
HOMES: tuple[tuple[str, str], ...] = (
    (COUNSELLOR, "counselling.home"),
    (ADMIN, "admin.index"),
    (SOCIAL, "reports.dashboard"),
    (LEADER, "events.mine"),
)


def audiences(user: object) -> frozenset[str]:
    """The audiences ``user`` belongs to: their roles, or ``anon``."""
    if not getattr(user, "is_authenticated", False):
        return frozenset({ANON})
    return frozenset(role.value for role in user.roles)  # type: ignore[attr-defined]


def is_staff(user: object) -> bool:
    """Staff get the menu; everyone else the tab bar."""
    return bool(audiences(user) & {COUNSELLOR, SOCIAL, ADMIN, LEADER})


def entries_for(user: object, placement: Placement) -> list[Entry]:
    """The entries ``user`` sees in ``placement``, in table order.

    A person who is staff sees no worker tabs, even if they also hold the worker role."""
    mine = audiences(user)
    if placement == "tab" and is_staff(user):
        return []
    return [e for e in ENTRIES if e.placement == placement and e.roles & mine]


def is_current(entry: Entry, endpoint: str | None) -> bool:
    """Whether the page at ``endpoint`` belongs under ``entry``."""
    return endpoint is not None and (endpoint == entry.endpoint or endpoint in entry.also)


@lru_cache(maxsize=1024)
def marks(endpoint: str | None) -> tuple[int, ...]:
    """The positions in ``ENTRIES`` of the entries marked current on ``endpoint``'s pages:
    with the reader's audiences, all a drawn menu depends on besides the language."""
    return tuple(i for i, entry in enumerate(ENTRIES) if is_current(entry, endpoint))


@dataclass(frozen=True)
class Menu:
    """What base.html's header draws for one person on one page."""

    tabs: list[Entry]
    menu: list[Entry]
    staff: bool
    endpoint: str | None

    def is_current(self, entry: Entry) -> bool:
        return is_current(entry, self.endpoint)


def menu_for(user: object, endpoint: str | None) -> Menu:
    """The tabs or staff menu ``user`` sees on ``endpoint``'s page."""
    return Menu(entries_for(user, "tab"), entries_for(user, "menu"), is_staff(user), endpoint)


def home_endpoint(user: object) -> str | None:
    """The staff member's own home; None for workers (they keep their usual landing)."""
    mine = audiences(user)
    for role, endpoint in HOMES:
        if role in mine:
            return endpoint
    return None
