"""Self-help library use for the reports: reads and listens per item and month.

Reads only ``report_library_use`` (item, month, kind of use, count): nobody is named, so no
small-cell suppression is needed; the counts describe items, not people.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app import audit
from app.extensions import db
from app.library import services as library
from app.reports.models import LibraryUse


@dataclass(frozen=True)
class UseRow:
    """One item in one month."""

    title: str
    lang: str
    kind: str
    month: str
    reads: int
    listens: int


def rows(actor: object, months: int = 12) -> list[UseRow]:
    """The last ``months`` months that have any use, newest first, busiest item first."""
    cells = db.session.execute(select(LibraryUse.item_uid, LibraryUse.month, LibraryUse.event,
                                      LibraryUse.n)).all()
    recent = sorted({c.month for c in cells}, reverse=True)[:months]
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for cell in cells:
        if cell.month in recent:
            totals.setdefault((cell.item_uid, cell.month), {})[cell.event] = cell.n
    versions = library.titles([uid for uid, _ in totals])
    out = [UseRow(title=versions[uid].title if uid in versions else "—",
                  lang=versions[uid].item.lang if uid in versions else "",
                  kind=versions[uid].item.kind if uid in versions else "",
                  month=month, reads=n.get("read", 0), listens=n.get("listen", 0))
           for (uid, month), n in totals.items()]
    out.sort(key=lambda r: (r.month, r.reads + r.listens), reverse=True)
    audit.record(actor, "reports.library_viewed", None, {"rows": len(out)})
    db.session.commit()
    return out
