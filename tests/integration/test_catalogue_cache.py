"""The network catalogue is cached per process, yet an edit shows on the next page."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from app.booking import catalogue
from app.booking.models import Centre, Service
from app.extensions import db
from tests.booking_helpers import make_centre, make_service


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
