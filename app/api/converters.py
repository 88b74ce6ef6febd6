"""The ``uid`` path converter: a record's random public id (32 lower-case hex digits)."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import BaseConverter

UID_PATTERN = "[0-9a-f]{32}"


class UidConverter(BaseConverter):
    """Matches a uid only, so a short integer in the same place reaches the deprecated alias.

    Its weight sorts it before ``int``: a uid that happens to be all digits is still a uid.
    """

    regex = UID_PATTERN
    weight = 40


def uid_schema(_converter: UidConverter) -> dict[str, Any]:
    """How the OpenAPI document describes a uid path parameter."""
    return {"type": "string", "pattern": f"^{UID_PATTERN}$",
            "description": "the record's uid, as given in its uid field"}
