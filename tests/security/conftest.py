"""Fixtures for the break-in tests: the world of worker A, and a client per caller."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.helpers import csrf_token, sign_in
from tests.security.world import World, build_world


@pytest.fixture
def world(app) -> World:
    with app.test_request_context():  # some services build links for emails
        return build_world()


@pytest.fixture
def caller_client(app, world: World) -> Callable[[str], tuple[FlaskClient, str]]:
    """A fresh client signed in as ``caller`` (staff through MFA), and a CSRF token for it."""
    from tests.conftest import IsolatedClient

    def make(caller: str) -> tuple[FlaskClient, str]:
        app.test_client_class = IsolatedClient
        client = app.test_client()
        if caller != "anon":
            response = sign_in(client, world.login(caller))
            assert response.status_code == 303, f"{caller} could not sign in"
        token = csrf_token(client.get("/screening/contact").get_data(as_text=True))
        return client, token

    return make


@pytest.fixture
def api_headers(app, world: World) -> Callable[[str], dict[str, str]]:
    """The Authorization header of a JSON API token of ``caller``'s own (none for anon)."""
    from app.api import tokens

    def make(caller: str) -> dict[str, str]:
        if caller == "anon":
            return {}
        return {"Authorization": f"Bearer {tokens.issue(world.people[caller]).token}"}

    return make
