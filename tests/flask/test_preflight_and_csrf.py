"""Nothing reaches a Flask view unauthenticated because of what the client chose to send.

- A "CORS preflight" (``OPTIONS`` + ``Access-Control-Request-Method``) is two things anyone can
  send: a route that handles ``OPTIONS`` itself runs its view, so ``@jwt_required`` and
  ``JWTGuard.protect`` authenticate it; only Flask's automatic ``OPTIONS`` answer (no view runs)
  goes without a token, and flask-cors adds the CORS headers to it.
- A token in a cookie needs the double-submit CSRF check on unsafe methods; a header token not.
- Two copies of a token (the cookie twice, or a query/form copy where jwtguard reads none) are a
  400, whatever ``TOKEN_LOCATIONS`` says.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Blueprint, Flask
from flask_cors import CORS

from jwtguard.testing import parse_challenge
from jwtguard_flask import JWTGuard, current_token, jwt_required
from tests.contract import Minter, bearer
from tests.flask.conftest import flask_settings

PREFLIGHT = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"}
FORM = "application/x-www-form-urlencoded"


def make_app(settings: dict[str, Any], calls: list[str], **overrides: Any) -> Flask:
    """Hand-written CORS routes (``OPTIONS`` listed) under each kind of protection."""
    app = Flask("preflight")
    app.config.update(flask_settings({**settings, **overrides}))
    guard = JWTGuard(app)

    @app.route("/decorated", methods=["GET", "DELETE", "OPTIONS"])
    @jwt_required(scopes=["admin"])
    def decorated() -> dict[str, Any]:
        calls.append(f"decorated {current_token.subject}")
        return {"deleted": True}

    @app.route("/decorated-async", methods=["DELETE", "OPTIONS"])
    @jwt_required(scopes=["admin"])
    async def decorated_async() -> dict[str, Any]:
        calls.append("decorated_async")
        return {"deleted": True}

    admin = Blueprint("admin", __name__, url_prefix="/admin")
    guard.protect(admin, scopes=["admin"])

    @admin.route("/wipe", methods=["DELETE", "OPTIONS"])
    def wipe() -> dict[str, Any]:
        calls.append("wipe")
        return {"deleted": True}

    @admin.route("/report", methods=["GET", "POST"])  # Flask answers OPTIONS itself here
    def report() -> dict[str, Any]:
        calls.append(f"report {current_token.subject if current_token else None}")
        return {"sub": current_token.subject if current_token else None}

    app.register_blueprint(admin)
    return app


@pytest.fixture
def calls() -> list[str]:
    return []


@pytest.mark.parametrize("path", ["/decorated", "/decorated-async", "/admin/wipe"])
@pytest.mark.parametrize("headers", [PREFLIGHT, {}], ids=["preflight", "plain OPTIONS"])
def test_a_route_that_handles_options_is_authenticated(
    settings: dict[str, Any],
    minter: Minter,
    calls: list[str],
    path: str,
    headers: dict[str, str],
) -> None:
    client = make_app(settings, calls).test_client()
    refused = client.options(path, headers=headers)
    assert (refused.status_code, refused.get_json()["code"]) == (401, "token_missing")
    assert refused.headers["WWW-Authenticate"] == 'Bearer realm="notes"'
    weak = client.options(path, headers={**headers, **bearer(minter.token())})
    assert (weak.status_code, weak.get_json()["code"]) == (403, "insufficient_scope")
    assert calls == [], "the view never ran"
    admin = client.options(path, headers={**headers, **bearer(minter.token(scope="admin"))})
    assert admin.get_json() == {"deleted": True}
    assert len(calls) == 1


def test_flask_answers_automatic_options_without_a_view(
    settings: dict[str, Any], minter: Minter, calls: list[str]
) -> None:
    client = make_app(settings, calls).test_client()
    answered = client.options("/admin/report", headers=PREFLIGHT)
    assert answered.status_code == 200
    assert set(answered.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert calls == []
    expired = client.options("/admin/report", headers=bearer(minter.token(now=0)))
    assert expired.get_json()["code"] == "token_expired", "a present token is still validated"
    assert client.get("/admin/report").status_code == 401
    assert client.post("/admin/report", headers=PREFLIGHT).status_code == 401


def test_flask_cors_answers_preflights_for_protected_routes(
    settings: dict[str, Any], minter: Minter, calls: list[str]
) -> None:
    app = make_app(settings, calls)
    CORS(app, origins=["https://app.example.com"], expose_headers=["WWW-Authenticate"])
    client = app.test_client()
    preflight = {**PREFLIGHT, "Access-Control-Request-Method": "POST"}
    answered = client.options(
        "/admin/report", headers={**preflight, "Access-Control-Request-Headers": "authorization"}
    )
    assert answered.status_code == 200
    assert answered.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert answered.headers["Access-Control-Allow-Headers"].lower() == "authorization"
    assert calls == []
    refused = client.post("/admin/report", headers={"Origin": "https://app.example.com"})
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "WWW-Authenticate" in refused.headers["Access-Control-Expose-Headers"]


# --- CSRF --------------------------------------------------------------------------------------


def cookie_app(settings: dict[str, Any], calls: list[str]) -> Flask:
    app = Flask("cookies")
    app.config.update(flask_settings({**settings, "TOKEN_LOCATIONS": ["header", "cookie"]}))
    guard = JWTGuard(app)

    @app.route("/notes", methods=["GET", "POST"])
    @jwt_required
    def notes() -> dict[str, Any]:
        calls.append("notes")
        return {"sub": current_token.subject}

    api = Blueprint("api", __name__, url_prefix="/api")
    guard.protect(api)

    @api.post("/notes")
    def api_notes() -> dict[str, Any]:
        calls.append("api_notes")
        return {"sub": current_token.subject}

    app.register_blueprint(api)
    return app


@pytest.mark.parametrize("path", ["/notes", "/api/notes"])
def test_a_cookie_token_needs_the_double_submit_header_on_unsafe_methods(
    settings: dict[str, Any], minter: Minter, calls: list[str], path: str
) -> None:
    client = cookie_app(settings, calls).test_client()
    client.set_cookie("access_token", minter.token())
    forged = client.post(path)
    assert forged.status_code == 403
    body = forged.get_json()
    assert (body["error"], body["code"]) == ("access_denied", "csrf_failed")
    assert parse_challenge(forged.headers["WWW-Authenticate"]) == ("Bearer", {"realm": "notes"})
    assert client.post(path, headers={"X-CSRF-Token": "guess"}).get_json()["code"] == (
        "csrf_failed"
    ), "no csrf_token cookie"
    client.set_cookie("csrf_token", "s3cr3t-random-value")
    wrong = client.post(path, headers={"X-CSRF-Token": "guess"})
    assert wrong.get_json()["code"] == "csrf_failed"
    assert calls == []
    accepted = client.post(path, headers={"X-CSRF-Token": "s3cr3t-random-value"})
    assert accepted.get_json() == {"sub": "alice"}


def test_safe_methods_and_header_tokens_need_no_csrf_token(
    settings: dict[str, Any], minter: Minter, calls: list[str]
) -> None:
    client = cookie_app(settings, calls).test_client()
    assert client.post("/notes", headers=bearer(minter.token())).get_json() == {"sub": "alice"}
    client.set_cookie("access_token", minter.token())
    assert client.get("/notes").get_json() == {"sub": "alice"}


def test_the_token_cookie_twice_is_a_400(
    settings: dict[str, Any], minter: Minter, calls: list[str]
) -> None:
    client = cookie_app(settings, calls).test_client(use_cookies=False)  # send the header as is
    token = minter.token()
    response = client.get("/notes", headers={"Cookie": f"access_token={token}; access_token=x"})
    assert (response.status_code, response.get_json()["code"]) == (400, "multiple_tokens")
    assert calls == []


# --- a token in two places ------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/decorated", "/admin/report"])
def test_a_query_or_form_copy_beside_the_header_is_a_400(
    settings: dict[str, Any], minter: Minter, calls: list[str], path: str
) -> None:
    app = make_app(settings, calls, TOKEN_LOCATIONS=["header"])
    client = app.test_client()
    token = minter.token(scope="admin")
    query = client.get(f"{path}?access_token={token}", headers=bearer(token))
    assert (query.status_code, query.get_json()["code"]) == (400, "multiple_tokens")
    method = client.delete if path == "/decorated" else client.post
    form = method(
        path,
        data=urlencode({"access_token": token}),
        headers={**bearer(token), "Content-Type": FORM},
    )
    assert (form.status_code, form.get_json()["code"]) == (400, "multiple_tokens")
    assert calls == []
    assert client.get(path, headers=bearer(token)).status_code == 200


def test_the_view_still_reads_a_form_body_jwtguard_looked_into(
    settings: dict[str, Any], minter: Minter
) -> None:
    app = Flask("body")
    app.config.update(flask_settings(settings))
    JWTGuard(app)
    from flask import request  # noqa: PLC0415 - the view's own import

    @app.post("/echo")
    @jwt_required
    def echo() -> dict[str, Any]:
        return {"raw": request.get_data(as_text=True), "form": request.form.to_dict()}

    response = app.test_client().post(
        "/echo", data="text=hello", headers={**bearer(minter.token()), "Content-Type": FORM}
    )
    assert response.get_json() == {"raw": "text=hello", "form": {"text": "hello"}}
