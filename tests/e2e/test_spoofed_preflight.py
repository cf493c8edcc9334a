"""A spoofed CORS preflight reaches no view of the example APIs, over real HTTP (gunicorn).

Anyone can send ``OPTIONS`` with ``Access-Control-Request-Method``: it proves nothing. Each
protected endpoint of design §6 is sent such requests without a token, from an allowed origin,
from another one and with none; the answer is the CORS layer's or Flask's own (an empty body, no
view ran), or jwtguard's 401, and never the view's data. An ``OPTIONS`` that the CORS layer does
not answer (no ``Access-Control-Request-Method``) goes through jwtguard like any request.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from tests.contract import bearer
from tests.devkey import DEV_ISSUER, dev_key
from tests.e2e.dev_api import DevApi, Pages, dev_token

#: The origin the servers allow (the browser tests' page), another one, and none.
ORIGINS = ["allowed", "https://evil.example", None]
PROTECTED = {
    "flask": ["/api/me", "/api/notes"],
    "django": ["/api/me", "/api/notes", "/plain/me"],
}


@pytest.fixture(params=["flask", "django"])
def api(request: pytest.FixtureRequest, dev_api: Callable[[str], DevApi]) -> tuple[str, str]:
    """The run's example API as its README runs it, allowing one origin (``dev_api.py``)."""
    return request.param, dev_api(request.param).url


def token(scope: str) -> dict[str, str]:
    return bearer(dev_token(sub="mallory", scope=scope))


@pytest.mark.parametrize("origin", ORIGINS)
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_a_spoofed_preflight_runs_no_view(
    api: tuple[str, str],
    pages: Pages,
    session: requests.Session,
    origin: str | None,
    method: str,
) -> None:
    framework, url = api
    allowed = pages.allowed_origin
    origin = allowed if origin == "allowed" else origin
    headers = {"Access-Control-Request-Method": method}
    if origin is not None:
        headers["Origin"] = origin
    for path in PROTECTED[framework]:
        response = session.options(url + path, headers=headers, timeout=10)
        if response.status_code == 200:
            assert response.content == b"", f"{path}: the CORS layer answered, no view ran"
            if framework == "django":
                assert "Allow" not in response.headers, "CorsMiddleware answered, not a view"
            else:
                assert "OPTIONS" in response.headers["Allow"], "Flask's automatic answer"
        else:
            assert response.status_code == 401, (path, response.status_code, response.text)
            assert response.json()["code"] == "token_missing"
        if origin == allowed:
            assert response.headers["Access-Control-Allow-Origin"] == allowed
        elif origin is not None:
            assert "Access-Control-Allow-Origin" not in response.headers


def test_an_options_request_the_cors_layer_does_not_answer_is_authenticated(
    api: tuple[str, str], pages: Pages, session: requests.Session
) -> None:
    framework, url = api
    for path in PROTECTED[framework]:
        origin = {"Origin": pages.allowed_origin}
        response = session.options(url + path, headers=origin, timeout=10)
        if framework == "flask":  # Flask answers OPTIONS itself: no route here lists it
            assert (response.status_code, response.content) == (200, b"")
        else:  # Django runs a view for OPTIONS: jwtguard authenticates it
            assert (response.status_code, response.json()["code"]) == (401, "token_missing")
        expired = session.options(
            url + path, headers=bearer(dev_key().token(iss=DEV_ISSUER, now=0)), timeout=10
        )
        assert expired.status_code == 401, "a token that is sent is always validated"


def test_spoofed_preflights_change_nothing(
    api: tuple[str, str], pages: Pages, session: requests.Session
) -> None:
    _framework, url = api
    spoof = {"Access-Control-Request-Method": "POST", "Origin": pages.allowed_origin}
    for _ in range(3):
        session.options(url + "/api/notes", headers=spoof, json={"text": "spoofed"}, timeout=10)
    notes = session.get(url + "/api/notes", headers=token("notes:read"), timeout=10)
    assert notes.status_code == 200
    assert all(note["text"] != "spoofed" for note in notes.json()), "nothing was written"
