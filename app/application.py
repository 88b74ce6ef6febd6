"""The Flask class the factory builds: Flask itself, with one answer remembered.

Flask calls ``ensure_sync`` for every hook, view and teardown function on every request
(16 times for a cached anonymous page), and each call asks ``inspect`` whether the function
is a coroutine function: about 0.8 µs, some 13 µs a page, which never changes for a given
function (bench/README.md, Issue 21 step 14c). ``ensure_sync`` is Flask's documented point
for changing how functions are run; this keeps Flask's own answer per function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

# Functions outside the app's registered hooks and views (an extension's per-call wrapper)
# would otherwise be kept for ever; past this many, answers are no longer kept.
MAX_REMEMBERED = 4096


class Xinqing(Flask):
    """Flask, with ``ensure_sync``'s answer kept per function."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sync_functions: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Flask's ``ensure_sync``, asked once per function."""
        try:
            return self._sync_functions[func]
        except KeyError:
            pass
        except TypeError:  # not hashable
            return super().ensure_sync(func)
        answer = super().ensure_sync(func)
        if len(self._sync_functions) < MAX_REMEMBERED:
            self._sync_functions[func] = answer
        return answer
