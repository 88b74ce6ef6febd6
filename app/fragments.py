"""Rendered parts of a page kept per process, keyed by everything they show.

The session list and the result history spent most of their CPU in Jinja drawing the same
rows again (Babel dates, gettext, url_for, the chart's macros). A part rendered here is kept
in a bounded LRU under a key the caller builds from *every* value the part prints (rows,
seat counts, language, the person's id for their own data...), so a change of any of them is
a new key and the old entry simply ages out: nothing needs to be told to forget. Keys never
hold plaintext health data; the rendered HTML of a person's own results stays in this
process's memory only, under a key that starts with their id. Whole anonymous pages
(app/render_cache.py) are kept in the same kind of store.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from markupsafe import Markup


class FragmentCache:
    """A thread-safe LRU of rendered HTML, at most ``maxsize`` entries."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, key: Hashable) -> str | None:
        """The HTML kept under ``key``, or None."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return hit

    def put(self, key: Hashable, html: str, maxsize: int | None = None) -> None:
        """Keep ``html``, dropping the least recently used beyond ``maxsize`` entries (the
        cache's own unless given: a setting read per request)."""
        limit = self.maxsize if maxsize is None else maxsize
        with self._lock:
            self._entries[key] = html
            self._entries.move_to_end(key)
            while len(self._entries) > limit:
                self._entries.popitem(last=False)

    def kept(self, key: Hashable) -> Markup | None:
        """The part kept under ``key``, ready to put into a template, or None."""
        html = self.get(key)
        return None if html is None else Markup(html)  # noqa: S704  # nosec B704 - as below

    def render(self, key: Hashable, draw: Callable[[], str]) -> Markup:
        """The part kept under ``key``, drawn by ``draw()`` (outside the lock) when missing."""
        html = self.get(key)
        if html is None:
            html = draw()
            self.put(key, html)
        return Markup(html)  # noqa: S704  # nosec B704 - a template's output, already escaped

    def clear(self) -> None:
        """Forget every part (tests; a process that wants its memory back)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
