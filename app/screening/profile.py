"""Coarse, optional profile categories used only for de-identified statistics."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Wide bands so that a statistics row never narrows down to a person.
AGE_BANDS = [
    ("under_25", _l("Under 25")),
    ("25_34", _l("25 to 34")),
    ("35_44", _l("35 to 44")),
    ("45_54", _l("45 to 54")),
    ("55_plus", _l("55 or over")),
]

SECTORS = [
    ("manufacturing", _l("Manufacturing and factories")),
    ("construction", _l("Construction")),
    ("transport", _l("Transport, delivery and logistics")),
    ("services", _l("Shops, hotels, restaurants and services")),
    ("public", _l("Public services, health and education")),
    ("office", _l("Offices, finance and technology")),
    ("agriculture", _l("Farming, tea and forestry")),
    ("other", _l("Other")),
]

AGE_BAND_CODES = frozenset(code for code, _ in AGE_BANDS)
SECTOR_CODES = frozenset(code for code, _ in SECTORS)
