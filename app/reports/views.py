"""Report pages: read the filters, ask the services, render; every view and export audited."""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import lru_cache

from flask import Response, render_template, request
from flask_login import current_user
from markupsafe import Markup

from app import render_cache
from app.booking import catalogue
from app.i18n import current_locale
from app.reports import bp, services
from app.security.access import roles_required
from app.security.roles import Role
from app.security.scope import Scope
from app.types import utcnow

REPORT_ROLES = (Role.SOCIAL_WORKER, Role.ADMIN)


def _page(report: services.Report | None, error: object = None, status: int = 200) -> Response:
    lang = current_locale()
    scope = services.report_scope(current_user._get_current_object())
    if report is None:
        chosen = {key: request.args.get(key, "") for key in
                  ("period", "place", "instrument", "sector", "age_band")}
        chosen["period"] = chosen["period"] or services.default_period()
        html = _draw(None, error, _render_filter_form(lang, scope, chosen))
    else:  # validated choices: a bounded set of keys
        form = (lang, utcnow().date(), services.first_open_month(), catalogue.current().key,
                scope, tuple(sorted(report.filters.as_dict().items())))
        # The whole page shows the report, the form and the reader's menu (page_key), so it
        # is kept under all of them; the reader's CSRF token is punched in on every view.
        key = (None if report.key is None
               else render_cache.page_key(report.key, *form, signed_in=True))
        html = render_cache.kept_page(key, lambda: _draw(report, None, filter_form(*form)))
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _draw(report: services.Report | None, error: object, form: Markup) -> str:
    return render_template("reports/dashboard.html", report=report, error=error,
                           report_html=report_part(report, current_locale()) if report else "",
                           form_html=form)


def _render_filter_form(lang: str, scope: Scope, chosen: dict[str, str]) -> Markup:
    return Markup(render_template(  # noqa: S704  # nosec B704 - our own template, escaped
        "reports/_filters.html", options=services.choices(lang, scope=scope), chosen=chosen))


@lru_cache(maxsize=256)
def filter_form(lang: str, today: date, opened: str, network: object, scope: Scope,
                chosen: tuple[tuple[str, str], ...]) -> Markup:
    """The filter form, rendered once per everything its options read.

    The options (``services.choices``) follow from the language, today's date and the first
    open month (which periods are offered, and how they are labelled), the catalogue's
    version (centre names, new centres) and the reader's scope (a county reader sees only
    their centres); the selected options from the choice. All of them are in the key, so a
    new day, a catalogue change or another scope renders it anew.
    """
    return _render_filter_form(lang, scope, dict(chosen))


def report_part(report: services.Report, lang: str) -> Markup:
    """The sections, charts and notes of a built report, rendered once per language.

    Rendering them was most of a dashboard view's CPU. They follow from the report alone (no
    person, form token or request in them), and a report is rebuilt (a new object) whenever
    the statistics it shows change, so its HTML is kept on it (``Report.html``).
    """
    html = report.html.get(lang)
    if html is None:
        html = render_template("reports/_report.html", report=report,
                               risk_followup=report.followup)
        report.html[lang] = html
    return Markup(html)  # noqa: S704  # nosec B704 - our own template, escaped when rendered


@bp.get("/")
@roles_required(*REPORT_ROLES)
def dashboard() -> Response:
    """The dashboard for the chosen period, place and filters."""
    try:
        filters = services.parse_filters(
            request.args, scope=services.report_scope(current_user._get_current_object()))
    except services.ReportError as exc:
        return _page(None, exc.message, 400)
    report = services.build_report(current_user._get_current_object(), filters,
                                   current_locale())
    return _page(report)


@bp.get("/export.csv")
@roles_required(*REPORT_ROLES)
def export_csv() -> Response:
    """What the dashboard shows for the same filters, as CSV (UTF-8 with a BOM for Excel)."""
    try:
        filters = services.parse_filters(
            request.args, scope=services.report_scope(current_user._get_current_object()))
    except services.ReportError as exc:
        return _page(None, exc.message, 400)
    lines = services.export_report(current_user._get_current_object(), filters,
                                   current_locale())
    out = io.StringIO()
    writer = csv.writer(out)
    for line in lines:
        writer.writerow([services.safe_csv_cell(value) for value in line])
    name = f"xinqing-report-{filters.period.code}-{filters.place}.csv"
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/library")
@roles_required(*REPORT_ROLES)
def library_use() -> Response:
    """How often each self-help item was read or played, per month (no reader is recorded)."""
    from app.reports import library_use as use

    html = render_template("reports/library.html",
                           rows=use.rows(current_user._get_current_object()))
    return Response(html, mimetype="text/html")


@bp.get("/outcomes")
@roles_required(*REPORT_ROLES)
def outcomes() -> Response:
    """Recovery, reliable improvement and access per centre and network, by finished quarter."""
    from app.reports import outcomes as rules
    from app.types import utcnow

    reader = current_user._get_current_object()
    quarters = rules.finished_quarters(utcnow().date())
    chosen = request.args.get("quarter", "")
    quarter = chosen if chosen in quarters else (quarters[0] if quarters else "")
    view = rules.build(reader, services.report_scope(reader), quarter,
                       services.k_threshold()) if quarter else None
    from app.booking import catalogue

    en = current_locale().startswith("en")
    centres = {c.id: (c.name_en if en else c.name_zh) for c in catalogue.current().centres}
    html = render_template("reports/outcomes.html", view=view, quarters=quarters,
                           quarter=quarter, centres=centres,
                           rules_source=rules.MANUAL)
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
