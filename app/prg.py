"""Post/Redirect/Get: a redirect that answers a form's POST is a 303 See Other.

One hook instead of ``redirect(..., 303)`` at every call site: every view, Flask-Login's
"please sign in" redirect and any view written later are covered without anyone having to
remember it. 303 tells the browser to fetch the next page with GET, so Back and Refresh
show that page and never offer to send the form again. Only 302 is changed: a view that
deliberately answers 307/308 (repeat the same method) keeps it.
"""

from __future__ import annotations

from flask import Flask, Response, request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def see_other_after_post(response: Response) -> Response:
    """Turn a 302 answering a state-changing request into a 303."""
    if response.status_code == 302 and request.method not in SAFE_METHODS:
        response.status_code = 303
    return response


def init_app(app: Flask) -> None:
    """Register the hook (after the views and error handlers have made the response)."""
    app.after_request(see_other_after_post)
