"""Refuse input no person types before it reaches the database.

- A NUL character in a form, query or JSON value: PostgreSQL text cannot hold it, so such
  a value reaching a query or a column raised an error (a 500) there.
- Ids beyond the INTEGER range, in a route or a form: the database refused them (a 500).
- JSON nested deeper than ``MAX_JSON_DEPTH``: checking (and parsing) it recursed without
  limit, a 500 at ~500 levels. The raw body is measured before anything parses it; the body
  size is capped by ``MAX_CONTENT_LENGTH`` (413) before it is read at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request
from werkzeug.routing import IntegerConverter, Map

MAX_JSON_DEPTH = 32  # our documents nest 3 levels; nobody needs 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """How deeply ``raw`` nests arrays and objects, measured without parsing it."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub(b"", raw)):
        depth += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    return deepest


def _has_nul(value: Any) -> bool:
    """Walks without recursion, so no input depth can exhaust the stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def refuse_nul() -> None:
    """Before each request: 400 (the translated error page) when any value holds NUL, or
    when a JSON body nests deeper than any real request."""
    values: list[Any] = [v for _, v in request.args.items(multi=True)]
    if request.method != "GET":
        values += [v for _, v in request.form.items(multi=True)]
        if request.is_json:
            if json_depth(request.get_data(cache=True)) > MAX_JSON_DEPTH:
                abort(400)
            values.append(request.get_json(silent=True))
    if "\x00" in request.path or any(_has_nul(v) for v in values):
        abort(400)


UPLOAD_ATTR = "__xinqing_upload_limit__"
F = TypeVar("F", bound=Callable[..., Any])


def upload_limit(max_bytes: int) -> Callable[[F], F]:
    """A view that takes a file may read up to ``max_bytes`` (instead of
    ``MAX_CONTENT_LENGTH``); set before any hook reads the form."""

    def decorate(view: F) -> F:
        setattr(view, UPLOAD_ATTR, max_bytes)
        return view

    return decorate


def _apply_upload_limit(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    limit = getattr(view, UPLOAD_ATTR, None)
    if limit is not None:
        request.max_content_length = limit


def init_app(app: Flask) -> None:
    """Register the check, and the bounded ``int`` converter (before any route is added).

    Per-view upload limits are applied as a URL value preprocessor, which runs before
    every ``before_request`` hook (the CSRF check reads the form there).
    """
    app.url_map.converters["int"] = BoundedInt
    app.url_value_preprocessor(_apply_upload_limit)
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
