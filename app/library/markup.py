"""Markdown for library articles: a small safe subset, rendered then sanitised.

markdown-it-py renders CommonMark with raw HTML switched off; nh3 (the Ammonia sanitiser)
then keeps only the tags below, so even a bug in rendering cannot let script, style,
images from elsewhere or event handlers through. Links may only point to http(s), mailto
and tel, and never open with access to our page (``rel="noopener noreferrer"``).
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "blockquote", "a",
                "code", "pre", "hr", "br"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_md.disable("image")


def render(source: str) -> str:
    """Safe HTML for a Markdown text (headings start at level 2: the page has the title)."""
    html = _md.render(source or "")
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes=URL_SCHEMES, link_rel="noopener noreferrer")


def plain_text(source: str) -> str:
    """The words of a Markdown text without markup (for search)."""
    return nh3.clean(_md.render(source or ""), tags=set())
