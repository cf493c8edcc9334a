"""``FlaskRequestView``: every token location the core can read, through a real Flask request."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from jwtguard_flask import JWTGuard, jwt_required
from jwtguard_flask.request import FlaskRequestView
from tests.contract import Minter, bearer
from tests.flask.conftest import flask_settings, whoami


def test_the_view_reads_the_request() -> None:
    app = Flask("view")
    with app.test_request_context(
        "/api/me?access_token=a&access_token=b",
        method="POST",
        headers=[("X-Token", "one"), ("X-Token", "two"), ("Cookie", "access_token=c")],
        data={"access_token": "d"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    ):
        view = FlaskRequestView(request)
        assert (view.method, view.path, view.client_address) == ("POST", "/api/me", "192.0.2.7")
        assert view.header("x-token") == "one, two"
        assert view.header("Authorization") is None
        assert view.query_values("access_token") == ["a", "b"]
        assert view.form_values("access_token") == ["d"]
        assert view.header("Cookie") == "access_token=c"
        assert request.get_data() != b"", "the body stays readable after the form was read"


def test_form_and_cookie_locations(settings: dict[str, Any], minter: Minter) -> None:
    locations = ["header", "form", "cookie"]
    app = Flask("locations")
    app.config.update(flask_settings({**settings, "TOKEN_LOCATIONS": locations}))
    JWTGuard(app)
    app.add_url_rule("/me", "me", jwt_required(whoami), methods=["GET", "POST"])
    client = app.test_client()
    token = minter.token()
    assert client.post("/me", data={"access_token": token}).get_json()["sub"] == "alice"
    client.set_cookie("access_token", token)
    assert client.get("/me").get_json()["sub"] == "alice"
    both = client.get("/me", headers=bearer(token))
    assert (both.status_code, both.get_json()["code"]) == (400, "multiple_tokens")
