"""The tag vocabulary: topics, and the questionnaire bands and flags a result page matches.

Band tags are ``<instrument>.<band>`` (e.g. ``phq9.mild``) and flag tags ``flag.<flag>``,
taken from ``assessments/`` so a new questionnaire brings its tags with it.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

import assessments

TOPICS = {
    "stress": _l("Stress"), "sleep": _l("Sleep"), "mood": _l("Low mood"),
    "worry": _l("Worry"), "anger": _l("Anger"), "grief": _l("Grief and loss"),
    "shift_work": _l("Shift work"), "money": _l("Money worries"),
    "family": _l("Family and relationships"), "help": _l("Getting help"),
    "relaxation": _l("Relaxation"), "burnout": _l("Burnout"),
    "alcohol": _l("Alcohol"), "career": _l("Work and career"),
}


def band_tags(lang: str) -> list[tuple[str, str]]:
    """(tag, label) for every band of every questionnaire, and its flags that are not crises."""
    out: list[tuple[str, str]] = []
    for instrument in assessments.instruments():
        for band in instrument.bands:
            out.append((f"{instrument.code}.{band.code}",
                        f"{instrument.abbreviation} · {band.label.get(lang)}"))
        for sub in instrument.subscales:
            for band in sub.bands:
                tag = f"{instrument.code}.{band.code}"
                if all(tag != t for t, _ in out):
                    out.append((tag, f"{instrument.abbreviation} · {band.label.get(lang)}"))
        for rule in instrument.safety:
            if not rule.crisis:
                out.append((f"flag.{rule.flag}", f"{instrument.abbreviation} · {rule.flag}"))
    return out


def choices(lang: str) -> list[tuple[str, str]]:
    """Every tag a counsellor may pick, topics first."""
    return [(k, str(v)) for k, v in TOPICS.items()] + band_tags(lang)


def label(tag: str, lang: str) -> str:
    """What a reader sees for a tag."""
    if tag in TOPICS:
        return str(TOPICS[tag])
    return dict(band_tags(lang)).get(tag, tag)


def valid(tags: list[str], lang: str) -> list[str]:
    """The known tags among ``tags``, de-duplicated, in order."""
    known = {t for t, _ in choices(lang)}
    return [t for t in dict.fromkeys(tags) if t in known]


def for_result(instrument: str, band: str, flags: list[str]) -> list[str]:
    """The tags a result page looks for: its band first, then its flags."""
    return [f"{instrument}.{band}"] + [f"flag.{f}" for f in flags]
