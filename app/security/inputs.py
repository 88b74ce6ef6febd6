"""Refuse input no person types before it reaches the database.

- A NUL character in a form, query or JSON value: PostgreSQL text cannot hold it, so such
  a value reaching a query or a column raised an error (a 500) there.
- Ids beyond the INTEGER range, in a route or a form: the database refused them (a 500).
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter, Map


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul() -> None:
    """Before each request: 400 (the translated error page) when any value holds NUL."""
    values: list[Any] = [v for _, v in request.args.items(multi=True)]
    if request.method != "GET":
        values += [v for _, v in request.form.items(multi=True)]
        if request.is_json:
            values.append(request.get_json(silent=True))
    if "\x00" in request.path or any(_has_nul(v) for v in values):
        abort(400)


def init_app(app: Flask) -> None:
    """Register the check, and the bounded ``int`` converter (before any route is added)."""
    app.url_map.converters["int"] = BoundedInt
    app.before_request(refuse_nul)


class BoundedInt(IntegerConverter):
    """``<int:...>`` in routes, limited to what an INTEGER column holds.

    Werkzeug's converter takes any number of digits; an id past 2**31 - 1 then reached the
    database and failed there (a 500 on both databases) instead of answering 404.
    """

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


INT_MAX = 2**31 - 1


def parse_id(value: str | None) -> int | None:
    """A database id from form or query text: ASCII digits within INTEGER range, else None."""
    if value is None or not ID.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= INT_MAX else None


ID = re.compile(r"[0-9]{1,10}")
