"""``DjangoRequest``: what the core reads from a Django request, and the optional locations."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client, RequestFactory, override_settings

from jwtguard_django.request import DjangoRequest
from tests.contract import Minter, bearer


def test_request_view() -> None:
    request = RequestFactory().post(
        "/notes/?access_token=a&access_token=b",
        data="access_token=c&text=hi",
        content_type="application/x-www-form-urlencoded",
        headers={"X-Token": "t", "Cookie": "access_token=d"},
        SCRIPT_NAME="/api",
        REMOTE_ADDR="203.0.113.9",
    )
    view = DjangoRequest(request)
    assert (view.method, view.path, view.client_address) == ("POST", "/notes/", "203.0.113.9")
    assert view.header("x-token") == "t"
    assert view.header("Authorization") is None
    assert view.header("Content-Type") == "application/x-www-form-urlencoded"
    assert view.query_values("access_token") == ["a", "b"]
    assert view.form_values("access_token") == ["c"]
    assert view.header("Cookie") == "access_token=d"
    assert view.csrf_failure() == "CSRF cookie not set.", "Django's own CSRF verdict"
    assert DjangoRequest(RequestFactory().get("/", REMOTE_ADDR="")).client_address is None


@pytest.fixture
def all_locations(jwtguard_setting: dict[str, object]) -> Iterator[None]:
    locations = ["header", "form", "cookie"]
    with override_settings(JWTGUARD={**jwtguard_setting, "TOKEN_LOCATIONS": locations}):
        yield


@pytest.mark.usefixtures("all_locations")
@pytest.mark.parametrize("path", ["/plain/", "/drf/notes/"])
def test_form_and_cookie_tokens(client: Client, minter: Minter, path: str) -> None:
    """RFC 6750 §2.2 form bodies reach DRF intact after the middleware read them."""
    writer = minter.token(scope="notes:write")
    form = client.post(path, f"access_token={writer}&text=hi", "application/x-www-form-urlencoded")
    assert form.status_code in (200, 201)
    if path.startswith("/drf/"):
        assert form.json()["text"] == "hi"
    client.cookies["access_token"] = writer
    assert client.post(path).status_code in (200, 201)
    twice = client.post(path, headers=bearer(writer))
    assert twice.status_code == 400
    assert json.loads(twice.content)["code"] == "multiple_tokens"
