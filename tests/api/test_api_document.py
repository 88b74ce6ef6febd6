"""The OpenAPI document says what the code enforces (issue 22): each case schemathesis
found (ST202, a request the document called valid but the API refused) is pinned here, by
checking one request against the served document and against the API."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
import pytest

from app.screening import services as screening
from tests.api.helpers import bearer


@pytest.fixture
def document(client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").get_json()


def valid(document: dict[str, Any], schema: str, body: Any) -> bool:
    validator = jsonschema_rs.Draft4Validator({
        "$ref": f"#/components/schemas/{schema}", "components": document["components"]})
    return validator.is_valid(body)


@pytest.fixture
def headers(app, worker) -> dict[str, str]:
    from app.api import tokens

    screening.give_health_consent(worker)
    return bearer(tokens.issue(worker).token, "en")


PHQ9 = {"instrument": "phq9", "answers": [1] * 9, "extra": {"difficulty": 1}}


def test_the_documented_example_is_valid_and_accepted(client, document, headers):
    assert valid(document, "ScreeningRequest", PHQ9)
    assert client.post("/api/v1/screenings", json=PHQ9, headers=headers).status_code == 201


@pytest.mark.parametrize(("body", "why"), [
    ({"instrument": "phq9", "answers": [1] * 9}, "PHQ-9 needs extra.difficulty"),
    ({**PHQ9, "extra": {}}, "PHQ-9 needs extra.difficulty"),
    ({**PHQ9, "answers": [1] * 8}, "one answer per item"),
    ({**PHQ9, "answers": [1] * 8 + [7]}, "each answer one of the printed points"),
    ({**PHQ9, "extra": {"difficulty": 1, "mood": 2}}, "only its extra questions"),
    ({"instrument": "who5", "answers": [1] * 5, "extra": {"difficulty": 1}},
     "WHO-5 has no extra questions"),
    ({"instrument": "cbi", "answers": [10] * 13}, "CBI answers go in steps of 25"),
])
def test_answers_the_code_refuses_are_invalid_in_the_document(client, document, headers,
                                                              body, why):
    assert not valid(document, "ScreeningRequest", body), why
    response = client.post("/api/v1/screenings", json=body, headers=headers)
    assert response.status_code == 422, why
    assert response.get_json()["type"].endswith("invalid-answers")


def test_an_unknown_questionnaire_is_documented_and_answers_404(client, document, headers):
    body = {"instrument": "nope", "answers": [1, 2]}
    assert valid(document, "ScreeningRequest", body)
    assert client.post("/api/v1/screenings", json=body, headers=headers).status_code == 404
    assert not valid(document, "ScreeningRequest", {**body, "instrument": "phq9"})


@pytest.mark.parametrize(("schema", "body", "path"), [
    ("TokenRequest", {"login": "13800138000", "password": "a\x00b"}, "/api/v1/auth/token"),
    ("TokenRequest", {"login": "138\x00", "password": "x"}, "/api/v1/auth/token"),
    ("RetrieveRequest", {"code": "AB\x00CD"}, "/api/v1/screenings/retrieve"),
    ("ConsentRequest", {"text_version": "2026-1\x00"}, "/api/v1/consents/health-data"),
    ("ScreeningRequest", {"instrument": "x\x00", "answers": [1]}, "/api/v1/screenings"),
])
def test_nul_inside_a_string_is_invalid_in_the_document_and_refused(client, document,
                                                                    headers, schema, body,
                                                                    path):
    assert not valid(document, schema, body)
    assert valid(document, schema, {k: v.replace("\x00", "") if isinstance(v, str) else v
                                    for k, v in body.items()})
    response = client.post(path, json=body, headers=headers)
    assert response.status_code == 400


def test_query_and_path_strings_say_no_nul_too(client, document):
    from app.api.document import _parameters

    strings = [p for path in document["paths"].values() for p in _parameters(path)
               if p["schema"].get("type") == "string" and "format" not in p["schema"]]
    assert "code" in [p["name"] for p in strings]
    for parameter in strings:  # ours, or a stricter one already there (uids: 32 hex digits)
        assert re.search(parameter["schema"]["pattern"], "0a\x00") is None, parameter["name"]
    assert client.get("/api/v1/instruments/phq%00").status_code == 400


def test_rules_no_schema_can_state_are_documented_as_422(client, document, headers):
    """A ``to`` in the past (bad-range) and a session id that names nothing
    (unknown-session): schema-valid, refused, and the 422 is in the document."""
    for path, method in (("/api/v1/sessions", "get"), ("/api/v1/bookings", "post"),
                         ("/api/v1/waitlist", "post")):
        assert "422" in document["paths"][path][method]["responses"], path
    past = client.get("/api/v1/sessions?to=2000-01-01T00:00:00Z", headers=headers)
    assert past.status_code == 422
    assert past.get_json()["type"].endswith("bad-range")
    for path in ("/api/v1/bookings", "/api/v1/waitlist"):
        assert valid(document, "SessionRef", {"session_id": 99999})
        missing = client.post(path, json={"session_id": 99999}, headers=headers)
        assert missing.status_code == 422
        assert missing.get_json()["type"].endswith("unknown-session")
