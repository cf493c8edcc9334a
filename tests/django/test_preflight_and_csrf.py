"""Nothing reaches a Django view unauthenticated because of what the client chose to send.

- A "CORS preflight" (``OPTIONS`` + ``Access-Control-Request-Method``) is two things anyone can
  send: the middleware, ``@jwt_required`` and DRF authenticate it like any other request, and
  django-cors-headers placed above jwtguard answers real preflights without running a view.
- A token in a header is not forgeable across sites, so Django's CSRF middleware must not refuse
  it; a token in a cookie is, so unsafe requests carrying one must pass Django's CSRF check.
- Two copies of a token (the cookie twice, or a query/form copy where jwtguard reads none) are a
  400, whatever ``TOKEN_LOCATIONS`` says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import AsyncClient, Client, override_settings

from jwtguard.testing import parse_challenge
from tests.contract import Minter, bearer
from tests.django import views

PREFLIGHT = {"Access-Control-Request-Method": "DELETE", "Origin": "https://app.example.com"}
OURS = "jwtguard_django.middleware.JWTGuardMiddleware"
CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"
CSRF_SECRET = "a" * 16 + "B" * 16  # a 32-character CSRF secret, as Django's cookie holds
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(autouse=True)
def calls() -> Iterator[list[str]]:
    views.CALLS.clear()
    yield views.CALLS
    views.CALLS.clear()


def code(response: Any) -> str:
    return str(json.loads(response.content)["code"])


# --- spoofed preflights -----------------------------------------------------------------------


@pytest.mark.parametrize("headers", [PREFLIGHT, {}], ids=["preflight", "plain OPTIONS"])
def test_the_middleware_authenticates_options(
    client: Client, calls: list[str], headers: dict[str, str]
) -> None:
    response = client.options("/export/", headers=headers)
    assert (response.status_code, code(response)) == (401, "token_missing")
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="notes"'
    assert calls == [], "the view never ran"


async def test_the_async_middleware_authenticates_a_preflight(
    async_client: AsyncClient, calls: list[str]
) -> None:
    response = await async_client.options("/export/", headers=PREFLIGHT)
    assert (response.status_code, code(response)) == (401, "token_missing")
    assert calls == []


@pytest.mark.parametrize("path", ["/delete-all/", "/async-delete-all/"])
@pytest.mark.parametrize("stack", [[], [OURS]], ids=["decorator alone", "with middleware"])
def test_a_decorated_view_never_runs_for_a_spoofed_preflight(
    client: Client, minter: Minter, calls: list[str], path: str, stack: list[str]
) -> None:
    with override_settings(MIDDLEWARE=stack):
        refused = client.options(path, headers=PREFLIGHT)
        assert (refused.status_code, code(refused)) == (401, "token_missing")
        weak = client.options(path, headers={**PREFLIGHT, **bearer(minter.token())})
        assert (weak.status_code, code(weak)) == (403, "insufficient_scope")
        assert calls == []
        admin = bearer(minter.token(scope="admin"))
        assert client.options(path, headers={**PREFLIGHT, **admin}).json()["deleted"] is True
    assert calls == [f"{path.strip('/').replace('-', '_')} OPTIONS"]


@pytest.mark.parametrize("stack", [[], [OURS]], ids=["DRF alone", "with middleware"])
def test_drf_authenticates_a_spoofed_preflight(client: Client, stack: list[str]) -> None:
    with override_settings(MIDDLEWARE=stack):
        response = client.options("/drf/notes/", headers=PREFLIGHT)
    assert (response.status_code, code(response)) == (401, "token_missing")


CORS_STACK = ["corsheaders.middleware.CorsMiddleware", OURS]


@override_settings(MIDDLEWARE=CORS_STACK, CORS_ALLOWED_ORIGINS=["https://app.example.com"])
@pytest.mark.parametrize("path", ["/export/", "/delete-all/", "/drf/notes/"])
def test_django_cors_headers_above_answers_real_preflights(
    client: Client, calls: list[str], path: str
) -> None:
    response = client.options(path, headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "authorization" in response.headers["Access-Control-Allow-Headers"]
    assert response.content == b""
    assert calls == [], "the CORS layer answered; no view ran"
    refused = client.get(path, headers={"Origin": "https://app.example.com"})
    assert refused.status_code == 401, "the actual request still needs a token"
    assert refused.headers["Access-Control-Allow-Origin"] == "https://app.example.com"


# --- CSRF: header tokens are exempt, cookie tokens are checked ---------------------------------


@pytest.fixture
def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def cookie_setting(jwtguard_setting: dict[str, object]) -> Iterator[None]:
    with override_settings(JWTGUARD={**jwtguard_setting, "TOKEN_LOCATIONS": ["header", "cookie"]}):
        yield


@pytest.mark.parametrize(
    ("stack", "path"),
    [
        ([CSRF_MIDDLEWARE, OURS], "/plain-post/"),
        ([OURS, CSRF_MIDDLEWARE], "/plain-post/"),
        ([CSRF_MIDDLEWARE], "/decorated-post/"),
        ([CSRF_MIDDLEWARE, OURS], "/decorated-post/"),
        ([CSRF_MIDDLEWARE], "/drf/write/"),
    ],
)
def test_a_header_token_is_not_refused_by_csrf(
    csrf_client: Client, minter: Minter, stack: list[str], path: str
) -> None:
    """A fresh ``startproject`` has CsrfViewMiddleware: a bearer POST must still work."""
    writer = bearer(minter.token(scope="notes:write"))
    with override_settings(MIDDLEWARE=stack):
        accepted = csrf_client.post(path, headers=writer)
        assert accepted.status_code in (200, 201), accepted.content
        assert accepted.json()["sub"] == "alice"
        reader = csrf_client.post(path, headers=bearer(minter.token()))
    if path != "/plain-post/":
        assert reader.headers["Content-Type"] == "application/json"
        assert (reader.status_code, code(reader)) == (403, "insufficient_scope")
        scope = parse_challenge(reader.headers["WWW-Authenticate"])[1]["scope"]
        assert scope == "notes:write"


@pytest.mark.usefixtures("cookie_setting")
@pytest.mark.parametrize(
    ("stack", "path"),
    [
        ([OURS], "/plain-post/"),
        ([CSRF_MIDDLEWARE, OURS], "/plain-post/"),
        ([], "/decorated-post/"),
        ([CSRF_MIDDLEWARE], "/decorated-post/"),
        ([], "/drf/write/"),
        ([OURS], "/drf/write/"),
    ],
)
def test_a_cookie_token_must_pass_the_csrf_check(
    csrf_client: Client, minter: Minter, calls: list[str], stack: list[str], path: str
) -> None:
    csrf_client.cookies["access_token"] = minter.token(scope="notes:write")
    with override_settings(MIDDLEWARE=stack):
        forged = csrf_client.post(path)
        assert forged.status_code == 403
        assert forged.headers["Content-Type"] == "application/json"
        body = json.loads(forged.content)
        assert (body["error"], body["code"]) == ("access_denied", "csrf_failed")
        assert forged.headers["WWW-Authenticate"] == 'Bearer realm="notes"', "use the header"
        assert calls == [], "a forged request never reaches the view"
        csrf_client.cookies["csrftoken"] = CSRF_SECRET
        wrong = csrf_client.post(path, headers={"X-CSRFToken": "b" * 32})
        assert code(wrong) == "csrf_failed"
        accepted = csrf_client.post(path, headers={"X-CSRFToken": CSRF_SECRET})
        assert accepted.status_code in (200, 201), accepted.content
        assert accepted.json()["sub"] == "alice"
        assert csrf_client.get("/bare/").json()["sub"] == "alice", "safe methods need no check"


@pytest.mark.usefixtures("cookie_setting")
def test_a_form_field_carries_the_csrf_token_too(csrf_client: Client, minter: Minter) -> None:
    csrf_client.cookies["access_token"] = minter.token(scope="notes:write")
    csrf_client.cookies["csrftoken"] = CSRF_SECRET
    data = urlencode({"csrfmiddlewaretoken": CSRF_SECRET})
    with override_settings(MIDDLEWARE=[OURS]):
        assert csrf_client.post("/plain-post/", data, content_type=FORM).status_code == 200


@pytest.fixture
def query_setting(jwtguard_setting: dict[str, object]) -> Iterator[None]:
    with override_settings(JWTGUARD={**jwtguard_setting, "TOKEN_LOCATIONS": ["header", "query"]}):
        yield


@pytest.mark.usefixtures("query_setting")
@pytest.mark.parametrize("path", ["/plain-post/", "/decorated-post/"])
def test_a_query_token_does_not_switch_off_django_csrf(
    csrf_client: Client, minter: Minter, calls: list[str], path: str
) -> None:
    """Another site's page can put its author's own valid token in a URL ("login CSRF"): such a
    request stays under CsrfViewMiddleware, which must not be switched off by the token."""
    attacker = minter.token(sub="mallory", scope="notes:write")
    with override_settings(MIDDLEWARE=[CSRF_MIDDLEWARE, OURS]):
        forged = csrf_client.post(f"{path}?access_token={attacker}")
        assert forged.status_code == 403
        assert calls == [], "the view never ran"
        csrf_client.cookies["csrftoken"] = CSRF_SECRET
        headers = {"X-CSRFToken": CSRF_SECRET}
        accepted = csrf_client.post(f"{path}?access_token={attacker}", headers=headers)
        assert accepted.json()["sub"] == "mallory"
        header_token = csrf_client.post(path, headers=bearer(attacker))
        assert header_token.status_code == 200, "a header token needs no CSRF token"


@pytest.mark.usefixtures("query_setting")
def test_a_decorated_view_answers_a_forged_query_token_with_json(
    csrf_client: Client, minter: Minter, calls: list[str]
) -> None:
    attacker = minter.token(sub="mallory", scope="notes:write")
    with override_settings(MIDDLEWARE=[CSRF_MIDDLEWARE]):
        forged = csrf_client.post(f"/decorated-post/?access_token={attacker}")
    assert (forged.status_code, code(forged)) == (403, "csrf_failed")
    assert forged.headers["Content-Type"] == "application/json"
    assert calls == []
    with override_settings(MIDDLEWARE=[]):  # no CSRF middleware: the project's own choice
        assert csrf_client.post(f"/decorated-post/?access_token={attacker}").status_code == 200


# --- a token in two places ----------------------------------------------------------------------


@pytest.mark.parametrize("stack", [[OURS], []], ids=["middleware", "decorator and DRF"])
def test_a_query_or_form_copy_beside_the_header_is_a_400(
    client: Client,
    minter: Minter,
    calls: list[str],
    stack: list[str],
    jwtguard_setting: dict[str, object],
) -> None:
    """``TOKEN_LOCATIONS`` reads the header only (the contract reads the query too)."""
    token = minter.token(scope="notes:write")
    paths = ["/decorated-post/", "/drf/write/"] if not stack else ["/plain-post/"]
    with override_settings(
        MIDDLEWARE=stack,
        JWTGUARD={**jwtguard_setting, "TOKEN_LOCATIONS": ["header"]},
    ):
        for path in paths:
            query = client.post(f"{path}?access_token={token}", headers=bearer(token))
            assert (query.status_code, code(query)) == (400, "multiple_tokens"), path
            form = client.post(
                path, urlencode({"access_token": token}), content_type=FORM, headers=bearer(token)
            )
            assert (form.status_code, code(form)) == (400, "multiple_tokens"), path
    assert calls == []


@pytest.mark.usefixtures("cookie_setting")
@pytest.mark.parametrize("path", ["/plain/", "/bare/", "/drf/none/"])
def test_the_token_cookie_twice_is_a_400(client: Client, minter: Minter, path: str) -> None:
    token = minter.token()
    stack = [OURS] if path == "/plain/" else []
    with override_settings(MIDDLEWARE=stack):
        response = client.get(path, HTTP_COOKIE=f"access_token={token}; access_token={token}")
    assert (response.status_code, code(response)) == (400, "multiple_tokens")


@pytest.mark.usefixtures("cookie_setting")
async def test_the_async_stack_runs_django_csrf_check_off_the_event_loop(
    minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``CSRF_USE_SESSIONS`` Django's check may load the session from the database, which
    Django forbids on the event loop: async stacks run it in the sync thread."""
    import asyncio  # noqa: PLC0415 - only this test needs it

    from jwtguard_django import request as request_module  # noqa: PLC0415

    seen: list[bool] = []
    real = request_module.csrf_failure

    def recording(http: Any) -> str | None:
        try:
            asyncio.get_running_loop()
            seen.append(True)
        except RuntimeError:
            seen.append(False)
        return real(http)

    monkeypatch.setattr(request_module, "csrf_failure", recording)
    client = AsyncClient(enforce_csrf_checks=True)
    client.cookies["access_token"] = minter.token()
    with override_settings(MIDDLEWARE=[OURS]):
        response = await client.post("/async-plain/")
    assert (response.status_code, code(response)) == (403, "csrf_failed")
    assert seen == [False], "the check ran outside the event loop"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_form_copy_in_any_method_with_a_body_is_a_400(
    client: Client, minter: Minter, method: str
) -> None:
    """Django parses url-encoded bodies of POST only; jwtguard reads the others too, as Flask
    does, so every adapter answers the same (RFC 6750 §2.2 allows any method with a body)."""
    token = minter.token(scope="notes:write")
    response = client.generic(
        method,
        "/decorated-post/",
        urlencode({"access_token": token}),
        content_type=FORM,
        headers=bearer(token),
    )
    assert (response.status_code, code(response)) == (400, "multiple_tokens")
