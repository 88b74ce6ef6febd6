"""The network catalogue is cached per process, yet an edit shows on the next page."""

from __future__ import annotations

import secrets

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select, update

from app.booking import catalogue
from app.booking.models import CatalogueChange, Centre, Service
from app.extensions import db
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service
from tests.helpers import submit


def test_an_edited_centre_or_service_shows_on_the_next_page(client: FlaskClient) -> None:
    make_centre("hub", services=[make_service("group-stress")])
    assert "Centre hub" in client.get("/?lang=en").get_data(as_text=True)
    centre = db.session.scalar(select(Centre))
    centre.name_en = "Harbour Centre"
    db.session.commit()
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Harbour Centre" in html
    assert "Centre hub" not in html
    service = db.session.scalar(select(Service))
    service.active = False
    db.session.commit()
    assert "Service group-stress" not in client.get("/?lang=en").get_data(as_text=True)


def test_a_new_centre_shows_and_a_closed_one_goes(client: FlaskClient) -> None:
    make_centre("hub")
    client.get("/")
    county = make_centre("county")
    assert "中心 county" in client.get("/").get_data(as_text=True)
    county.active = False
    db.session.commit()
    assert "中心 county" not in client.get("/").get_data(as_text=True)


def test_the_snapshot_is_reused_until_something_changes(client: FlaskClient) -> None:
    make_centre("hub")
    client.get("/")
    first = catalogue._cached
    client.get("/")
    assert catalogue._cached is first
    make_service("relax")
    client.get("/")
    assert catalogue._cached is not first


def _edit_from_another_process(name_en: str) -> None:
    """What another worker's edit looks like to this process: rows changed, no flush here."""
    with db.engine.begin() as conn:
        conn.execute(update(Centre).values(name_en=name_en))
        conn.execute(insert(CatalogueChange).values(token=secrets.token_hex(16), at=utcnow()))


def test_another_process_edit_shows_within_the_recheck_interval(
        app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    app.config["CATALOGUE_RECHECK_SECONDS"] = 30
    now = [1000.0]
    monkeypatch.setattr(catalogue, "_clock", lambda: now[0])
    make_centre("hub")
    assert "Centre hub" in client.get("/?lang=en").get_data(as_text=True)
    _edit_from_another_process("Harbour Centre")
    now[0] += 29
    assert "Centre hub" in client.get("/?lang=en").get_data(as_text=True)
    now[0] += 2
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Harbour Centre" in html
    assert "Centre hub" not in html


def test_an_admins_own_edit_shows_at_once_in_the_same_process(
        app: Flask, signed_in, admin, monkeypatch: pytest.MonkeyPatch) -> None:
    app.config["CATALOGUE_RECHECK_SECONDS"] = 3600
    monkeypatch.setattr(catalogue, "_clock", lambda: 1000.0)  # the interval never runs out
    service = make_service("relax")
    visitor = app.test_client()
    assert "Service relax" in visitor.get("/?lang=en").get_data(as_text=True)
    staff = signed_in(admin)
    response = submit(staff, f"/admin/services/{service.id}", {
        "code": service.code, "kind": "group", "name_zh": "一起呼吸",
        "name_en": "Breathing together", "duration_minutes": 60, "capacity": 10,
        "cancellation_window_hours": 12, "min_notice_hours": 3, "horizon_days": 20,
        "buffer_minutes": 5, "active": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]
    html = visitor.get("/?lang=en").get_data(as_text=True)
    assert "Breathing together" in html


def test_a_transaction_that_wrote_the_catalogue_reads_its_own_change(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    app.config["CATALOGUE_RECHECK_SECONDS"] = 3600
    monkeypatch.setattr(catalogue, "_clock", lambda: 1000.0)
    centre = make_centre("hub")
    assert catalogue.current().centres[0].name_en == "Centre hub"
    centre.name_en = "Harbour Centre"
    db.session.flush()  # as a service does before it reads the network again
    assert catalogue.current().centres[0].name_en == "Harbour Centre"
    db.session.rollback()
    assert catalogue.current().centres[0].name_en == "Centre hub"
