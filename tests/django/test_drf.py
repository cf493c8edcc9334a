"""DRF beyond the contract table: IsAuthenticated, per-method scopes, renderers, reuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.request import Request
from rest_framework.views import exception_handler

from jwtguard import Validator
from jwtguard.testing import parse_challenge
from jwtguard_django.drf import BearerError, JWTAuthentication, _wrap_renderer, required_scopes
from tests.contract import SCENARIOS, Minter, Scenario, bearer
from tests.django.answers import check_answer, check_challenge, expected_body, send
from tests.django.urls import scope_key
from tests.django.views import AuthenticatedView

NO_TOKEN = next(s for s in SCENARIOS if s.name == "no token")
BASIC = next(s for s in SCENARIOS if s.name == "Basic scheme")
SSWS = next(s for s in SCENARIOS if s.name == "SSWS scheme")
EXPIRED = next(s for s in SCENARIOS if s.name == "expired")
VALID = next(s for s in SCENARIOS if s.name == "valid token")


@pytest.fixture
def without_middleware() -> Iterator[None]:
    with override_settings(MIDDLEWARE=[]):
        yield


def reshaping_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """A custom EXCEPTION_HANDLER that wraps every error the way some APIs do."""
    response = exception_handler(exc, context)
    if response is not None:
        response.data = {"errors": [response.data]}
    return response


@pytest.mark.usefixtures("without_middleware")
@pytest.mark.parametrize("scenario", [NO_TOKEN, BASIC, SSWS, EXPIRED, VALID], ids=lambda s: s.name)
def test_is_authenticated_gets_the_core_answer(
    client: Client, minter: Minter, scenario: Scenario
) -> None:
    """DRF's own NotAuthenticated becomes token_missing / unsupported_scheme, with a 401."""
    check_answer(send(client, "/drf/authenticated/", scenario, minter), scenario, drf=True)


@pytest.mark.usefixtures("without_middleware")
def test_allow_any_stays_anonymous_without_token(client: Client, minter: Minter) -> None:
    assert client.get("/drf/open/").json()["user"] is None
    assert client.get("/drf/open/", headers={"Authorization": "Basic YTpi"}).status_code == 200
    assert client.get("/drf/open/", headers=bearer(minter.token())).json()["user"] == "alice"
    check_answer(send(client, "/drf/open/", EXPIRED, minter), EXPIRED, drf=True)


@pytest.mark.parametrize(
    ("method", "scope", "status"),
    [
        ("get", "notes:read", 200),
        ("head", "notes:read", 200),
        ("get", "notes:write", 403),
        ("post", "notes:read", 403),
        ("post", "notes:write", 201),
    ],
)
def test_read_and_write_scopes(
    client: Client, minter: Minter, method: str, scope: str, status: int
) -> None:
    response = getattr(client, method)("/drf/notes/", headers=bearer(minter.token(scope=scope)))
    assert response.status_code == status
    if status == 403:
        wanted = "notes:read" if method == "get" else "notes:write"
        _, params = check_scope(response)
        assert params["scope"] == wanted


def check_scope(response: Any) -> tuple[str, dict[str, str]]:
    body = json.loads(response.content)
    assert body["code"] == "insufficient_scope"
    assert body["detail"] == body["error_description"]
    return parse_challenge(response.headers["WWW-Authenticate"])


def test_required_scopes_combine_and_split_strings() -> None:
    class View:
        required_scopes = "notes:admin audit"
        read_scopes = ("notes:read", "audit")
        write_scopes = ("notes:write",)

    assert required_scopes(View(), "GET") == ("notes:admin", "audit", "notes:read")
    assert required_scopes(View(), "OPTIONS") == ("notes:admin", "audit", "notes:read")
    assert required_scopes(View(), "delete") == ("notes:admin", "audit", "notes:write")
    assert required_scopes(object(), "POST") == ()


@pytest.mark.usefixtures("without_middleware")
def test_browsers_get_the_same_refusal(client: Client, minter: Minter) -> None:
    """Content negotiation picks the browsable API, but a refusal is the core's JSON."""
    for scenario in (NO_TOKEN, EXPIRED):
        headers = {**scenario.headers(minter), "Accept": "text/html"}
        response = client.get(f"/drf/{scope_key(())}/", headers=headers)
        check_answer(response, scenario, drf=True)
    html = client.get("/drf/none/", headers={**bearer(minter.token()), "Accept": "text/html"})
    assert html.status_code == 200
    assert html.headers["Content-Type"].startswith("text/html")


@pytest.mark.usefixtures("without_middleware")
def test_a_custom_exception_handler_keeps_its_shape(client: Client, minter: Minter) -> None:
    with override_settings(
        REST_FRAMEWORK={"EXCEPTION_HANDLER": "tests.django.test_drf.reshaping_handler"}
    ):
        refused = client.get("/drf/notes/", headers=EXPIRED.headers(minter))
        anonymous = client.get("/drf/authenticated/")
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "token_expired"
    check_challenge(refused, EXPIRED.challenge)
    assert anonymous.status_code == 401
    assert anonymous.json() == {
        "errors": [{"detail": "Authentication credentials were not provided."}]
    }
    check_challenge(anonymous, NO_TOKEN.challenge)


@pytest.mark.django_db
def test_another_class_failing_keeps_its_answer() -> None:
    """Basic credentials that BasicAuthentication (listed second) refuses: DRF's body, our
    challenge (DRF asks the first class for it)."""
    view = AuthenticatedView.as_view(
        authentication_classes=[JWTAuthentication, BasicAuthentication]
    )
    response = view(RequestFactory().get("/", headers={"Authorization": "Basic YTpi"}))
    response.render()
    assert response.status_code == 401
    assert json.loads(response.content) == {"detail": "Invalid username/password."}
    check_challenge(response, NO_TOKEN.challenge)


@pytest.mark.usefixtures("without_middleware")
def test_problem_format(
    client: Client, minter: Minter, jwtguard_setting: dict[str, object]
) -> None:
    """RFC 9457 documents have a ``detail`` already: the body is the core's, byte for byte."""
    with override_settings(JWTGUARD={**jwtguard_setting, "ERROR_FORMAT": "problem"}):
        response = client.get("/drf/none/", headers=EXPIRED.headers(minter))
    document = {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "The access token expired",
        "error": "invalid_token",
        "code": "token_expired",
    }
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.content == json.dumps(document, separators=(",", ":")).encode()
    check_challenge(response, EXPIRED.challenge)


def test_authenticate_header_is_the_bare_challenge() -> None:
    request = Request(RequestFactory().get("/"))
    assert JWTAuthentication().authenticate_header(request) == 'Bearer realm="notes"'


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_behind_an_annotating_middleware(
    client: Client, minter: Minter, scenario: Scenario, jwtguard_setting: dict[str, object]
) -> None:
    """The middleware refuses bad tokens (core body); DRF refuses the rest (plus ``detail``)."""
    drf_answers = scenario.code in ("token_missing", "unsupported_scheme", "insufficient_scope")
    with override_settings(JWTGUARD={**jwtguard_setting, "MODE": "annotate"}):
        response = send(client, f"/drf/{scope_key(scenario.scopes)}/", scenario, minter)
    check_answer(response, scenario, drf=drf_answers)
    if scenario.code is not None:
        assert response.content == expected_body(scenario, drf=drf_answers)


MIDDLEWARE = ["jwtguard_django.middleware.JWTGuardMiddleware"]


@pytest.mark.parametrize(
    ("middleware", "path"),
    [
        (MIDDLEWARE, "/drf/notes_read/"),
        (MIDDLEWARE, "/decorated/sync/notes_read/"),
        (MIDDLEWARE, "/plain/"),
        ([], "/drf/notes_read/"),
        ([], "/decorated/async/notes_read/"),
    ],
)
def test_one_validation_per_request(
    client: Client,
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    middleware: list[str],
    path: str,
) -> None:
    calls: list[str] = []
    validate, validate_async = Validator._validate, Validator._validate_async

    def counting(self: Validator, token: str, location: str | None) -> Any:
        calls.append(token)
        return validate(self, token, location)

    async def counting_async(self: Validator, token: str, location: str | None) -> Any:
        calls.append(token)
        return await validate_async(self, token, location)

    monkeypatch.setattr(Validator, "_validate", counting)
    monkeypatch.setattr(Validator, "_validate_async", counting_async)
    with override_settings(MIDDLEWARE=middleware):
        response = client.get(path, headers=bearer(minter.token()))
    assert response.status_code == 200
    assert len(calls) == 1
    assert response.json()["user"] == "alice"
    if path.startswith("/drf/"):
        assert response.json()["auth"] is True, "request.auth is get_token(request)"


def test_refusal_before_content_negotiation(minter: Minter) -> None:
    """Authenticated outside APIView.initial (no renderer chosen yet): the answer is JSON."""
    request = Request(RequestFactory().get("/", headers=EXPIRED.headers(minter)))
    with pytest.raises(BearerError) as caught:
        JWTAuthentication().authenticate(request)
    error = caught.value
    assert (error.status_code, error.wait) == (401, None)
    assert error.get_codes() == dict.fromkeys(
        ["error", "error_description", "code", "detail"], "token_expired"
    )
    assert error.auth_header == (
        'Bearer realm="notes", error="invalid_token", error_description="The access token expired"'
    )
    renderer = request.accepted_renderer
    assert renderer.media_type == "application/json"
    response = HttpResponse(status=401)
    assert renderer.render(error.detail, None, {"response": response}) == expected_body(
        EXPIRED, drf=True
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert _wrap_renderer(request) is renderer, "wrapped once per request"


def test_why_jwt_authentication_comes_first() -> None:
    """The README's reason: DRF asks the first class for the challenge, and only that one."""
    for classes, status in (
        ([SessionAuthentication, JWTAuthentication], 403),
        ([JWTAuthentication, SessionAuthentication], 401),
    ):
        view = AuthenticatedView.as_view(authentication_classes=classes)
        response = view(RequestFactory().get("/"))
        response.render()
        assert response.status_code == status
        if status == 401:
            check_answer(response, NO_TOKEN, drf=True)
        else:
            assert "WWW-Authenticate" not in response.headers
