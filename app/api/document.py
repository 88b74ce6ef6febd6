"""The OpenAPI document made as strict as the code that checks requests.

flask-smorest writes the document from the marshmallow schemas, which accept more than the
views do: a client (or schemathesis) following the document could send a request it
describes as valid and get a 400 or 422. This module says in the document what the code
enforces:

- no string holds a NUL character (``refuse_nul`` answers 400 to any);
- a screening gives exactly one answer per item of its questionnaire, each one of the
  printed points, plus exactly its extra questions (PHQ-9 and GAD-7: ``difficulty``);
  an unknown questionnaire code answers 404.

Rules that depend on the moment or on stored data stay in prose and in the documented 422
(``to`` must lie in the future: ``bad-range``; a ``session_id`` that names no session:
``unknown-session``); a schema cannot state them.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

import assessments
from assessments import followup

NO_NUL = r"^[^\u0000]*$"
REF_PREFIX = "#/components/schemas/"


def _no_nul(schema: Any) -> None:
    """Add the no-NUL pattern to every plain string in ``schema`` (recursively)."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
            schema.setdefault("pattern", NO_NUL)
        if schema.get("type") == "object" and schema.get("additionalProperties") is not False:
            schema.setdefault("propertyNames", {"pattern": NO_NUL})  # free keys too
        for value in schema.values():
            _no_nul(value)
    elif isinstance(schema, list):
        for value in schema:
            _no_nul(value)


def screening_request(loose: dict[str, Any]) -> dict[str, Any]:
    """One branch per questionnaire, and one for codes that name none (answered 404)."""
    anonymous = loose["properties"]["anonymous"]
    codes = []
    branches: list[dict[str, Any]] = []
    for instrument in assessments.instruments():
        codes.append(instrument.code)
        points = sorted({o.points for item in instrument.items for o in item.options})
        extra = {q.code: {"type": "integer", "enum": sorted({o.points for o in q.options})}
                 for q in instrument.extra_questions}
        extra_schema: dict[str, Any] = {"type": "object", "properties": extra,
                                        "additionalProperties": False}
        required = ["instrument", "answers"]
        if extra:
            extra_schema["required"] = sorted(extra)
            required.append("extra")
        branches.append({
            "type": "object", "additionalProperties": False, "required": required,
            "title": instrument.abbreviation,
            "properties": {
                "instrument": {"type": "string", "enum": [instrument.code]},
                "answers": {"type": "array", "minItems": len(instrument.items),
                            "maxItems": len(instrument.items),
                            "items": {"type": "integer", "enum": points}},
                "extra": extra_schema,
                "anonymous": anonymous,
            },
        })
    unknown = deepcopy(loose)
    unknown["properties"]["instrument"] = {
        **loose["properties"]["instrument"], "not": {"enum": codes},
        "description": "A code that names no questionnaire: answered 404 unknown-instrument."}
    unknown["properties"]["extra"] = {"type": "object", "additionalProperties": False,
                                      "maxProperties": 0}
    unknown["properties"]["answers"]["items"] = {"type": "integer"}
    unknown["title"] = "unknown questionnaire"
    return {"description": loose.get("description", ""), "oneOf": [*branches, unknown]}


def token_request(loose: dict[str, Any]) -> dict[str, Any]:
    """Two ways in, never mixed: login + password (+ otp), or phone + SMS code."""
    props = loose["properties"]

    def way(names: tuple[str, ...], required: list[str]) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": False, "required": required,
                "properties": {n: deepcopy(props[n]) for n in names}}

    return {"description": loose.get("description", ""), "oneOf": [
        way(("login", "password", "otp"), ["login", "password"]),
        way(("phone", "code"), ["phone", "code"])]}


def tighten(generated: dict[str, Any]) -> dict[str, Any]:
    """A copy of the generated document with the code's rules written in."""
    document = deepcopy(generated)
    schemas = document.get("components", {}).get("schemas", {})
    if "ScreeningRequest" in schemas:
        schemas["ScreeningRequest"] = screening_request(schemas["ScreeningRequest"])
    codes = [q.code for q in followup.cssrs().questions]
    for name in ("FollowUpRequest", "AnonymousFollowUpRequest"):
        if name in schemas:  # answers are keyed by the follow-up's question codes
            answers = schemas[name]["properties"]["answers"]
            answers.update(properties={code: {"type": "integer"} for code in codes},
                           additionalProperties=False, minProperties=1)
            for loose in ("minLength", "maxLength", "propertyNames"):
                answers.pop(loose, None)
    if "TokenRequest" in schemas:
        schemas["TokenRequest"] = token_request(schemas["TokenRequest"])
    for name in _request_schema_names(document):
        _no_nul(schemas.get(name))
    for path in document.get("paths", {}).values():
        for parameter in _parameters(path):
            _no_nul(parameter.get("schema"))
    return document


def _request_schema_names(document: dict[str, Any]) -> set[str]:
    """Every component schema a request body names, so a new endpoint is covered by itself."""
    names: set[str] = set()
    for path in document.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for media in operation.get("requestBody", {}).get("content", {}).values():
                names |= _refs(media.get("schema"))
    schemas = document.get("components", {}).get("schemas", {})
    todo = list(names)
    while todo:  # and the schemas those schemas name
        for name in _refs(schemas.get(todo.pop())) - names:
            names.add(name)
            todo.append(name)
    return names


def _refs(schema: Any) -> set[str]:
    """The component schemas ``schema`` names, at any depth."""
    if isinstance(schema, dict):
        found = {schema["$ref"][len(REF_PREFIX):]} if str(
            schema.get("$ref", "")).startswith(REF_PREFIX) else set()
        return found.union(*(_refs(v) for v in schema.values()))
    if isinstance(schema, list):
        return set().union(*(_refs(v) for v in schema))
    return set()


def _parameters(path: dict[str, Any]) -> list[dict[str, Any]]:
    """The path's own parameters and every operation's."""
    found = list(path.get("parameters", []))
    for operation in path.values():
        if isinstance(operation, dict):
            found += operation.get("parameters", [])
    return found
