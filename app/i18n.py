"""Choosing the language: the person's saved choice, then the switch, then Accept-Language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from babel import Locale
from flask import Flask, current_app, g, has_app_context, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

ACCEPT_MAP = {"zh_CN": "zh_CN", "zh": "zh_CN", "en": "en"}
# Babel knows mainland Simplified Chinese as zh_Hans_CN; people and URLs say zh_CN.
BABEL_CODES = {"zh_CN": "zh_Hans_CN", "en": "en"}
# Parsed once per process: Flask-Babel parses whatever string its selector returns on every
# request (``Locale.parse`` was a fifth of the cached home page's locale work, bench/README.md
# Issue 21 step 14c) and takes a ``Locale`` as it is. A Locale is never changed once made.
LOCALES = {lang: Locale.parse(code) for lang, code in BABEL_CODES.items()}


def select_locale() -> Locale:
    """The Babel locale for this request (Flask-Babel's selector)."""
    return LOCALES[choose_language()]


def choose_language() -> str:
    """``zh_CN`` or ``en``: saved choice, then the switch, then Accept-Language.

    Outside a request (the ``flask`` commands) it is English, like the rest of their output;
    messages to a person (emails) are rendered with ``force_locale`` in their language.
    """
    if not has_request_context():
        return "en"
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    best = request.accept_languages.best_match(list(ACCEPT_MAP))
    return ACCEPT_MAP.get(best or "", current_app.config["BABEL_DEFAULT_LOCALE"])


def remember_switch() -> None:
    """Before each request: ``?lang=en`` switches language and, when signed in, saves it."""
    lang = request.args.get("lang")
    if lang is None or lang not in current_app.config["LANGUAGES"]:
        return
    if session.get("lang") != lang:  # the same language again: no session write
        session["lang"] = lang
    if current_user.is_authenticated:
        from app.accounts.services import set_locale

        set_locale(current_user, lang)


def switch_url(lang: str) -> str:
    """This page's address with ``lang`` set, keeping its other query arguments."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def current_locale() -> str:
    """``"en"`` or ``"zh_CN"``, for templates choosing a language-specific field.

    Asks the locale's language rather than its printed name: printing a Babel ``Locale``
    rebuilds its identifier on every call, several times per page (bench/README.md, Step 17b).
    """
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh_CN"


def _translations() -> Any:
    """Flask-Babel's translations for the locale in force, looked up once per request.

    A page calls ``_()`` dozens of times, and Flask-Babel finds the request's context, the
    domain, the locale and its cache entry anew for each. The catalogue is remembered beside
    Flask-Babel's own per-request state, keyed on the very locale and domain objects in
    force, so ``force_locale`` (an email in the recipient's language) and ``refresh()``
    replace those objects and are obeyed at once.
    """
    ctx = g.get("_flask_babel") if has_app_context() else None
    if ctx is not None:
        memo = getattr(ctx, "xq_translations", None)
        locale = getattr(ctx, "babel_locale", None)
        if (memo is not None and locale is not None and memo[0] is locale
                and memo[1] is getattr(ctx, "babel_domain", None)):
            return memo[2]
    translations = get_translations()
    ctx = g.get("_flask_babel") if has_app_context() else None
    if ctx is not None and getattr(ctx, "babel_locale", None) is not None:
        ctx.xq_translations = (ctx.babel_locale, getattr(ctx, "babel_domain", None),
                               translations)
    return translations


def init_app(app: Flask) -> None:
    """Wire the switch into every request and template."""
    app.before_request(remember_switch)
    # The same callables Flask-Babel installs, with the catalogue looked up once per request.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = _template_gettext
    app.jinja_env.globals["switch_url"] = switch_url
    app.context_processor(lambda: {"current_locale": current_locale()})


@pass_context
def _template_gettext(context: Context, string: str, **variables: Any) -> str:
    """Jinja's new-style ``_()``, remembering each phrase without variables once translated.

    Same result as Jinja's own (escaped, ``%`` formatting applied even without variables),
    but a page's few dozen fixed phrases are dictionary look-ups: the memo lives on the
    catalogue object, which Flask-Babel keeps per locale for the life of the process.
    """
    translations = _translations()
    autoescape = context.eval_ctx.autoescape
    if variables:
        text = translations.ugettext(string)
        # Markup of the catalogue's own text, as Jinja does: translations are ours, not input.
        return (Markup(text) if autoescape else text) % variables  # noqa: S704  # nosec B704
    memo: dict[tuple[str, bool], str] = translations.__dict__.setdefault("xq_phrases", {})
    key = (string, autoescape)
    phrase = memo.get(key)
    if phrase is None:
        text = translations.ugettext(string)
        phrase = memo[key] = (Markup(text) if autoescape else text) % {}  # noqa: S704  # nosec B704
    return phrase
