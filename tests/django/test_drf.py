"""DRF beyond the contract table: IsAuthenticated, per-method scopes, renderers, reuse, custom
exception handlers, and the same answers with or without ``JWTGuardMiddleware``."""

from __future__ import annotations

import json
import logging
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory, override_settings
from django.views import View
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.decorators import action, api_view, authentication_classes
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView, exception_handler
from rest_framework.viewsets import ViewSet

from jwtguard import Validator
from jwtguard.testing import parse_challenge
from jwtguard_django.drf import (
    BearerError,
    JWTAuthentication,
    _wrap_renderer,
    raises_left_refusals,
    required_scopes,
)
from tests.audit import audit_records
from tests.contract import SAMPLES, SCENARIOS, Minter, Scenario, bearer
from tests.django.answers import (
    check_answer,
    check_challenge,
    check_contract,
    expected_body,
    send,
)
from tests.django.conftest import cut_off_keys
from tests.django.stacks import DRF_STACKS, drf_stack, wire
from tests.django.urls import scope_key
from tests.django.views import CALLS, AuthenticatedView, LazyView, OpenView
from tests.doc_blocks import run_block

NO_TOKEN = next(s for s in SCENARIOS if s.name == "no token")
BASIC = next(s for s in SCENARIOS if s.name == "Basic scheme")
EXPIRED = next(s for s in SCENARIOS if s.name == "expired")
VALID = next(s for s in SCENARIOS if s.name == "valid token")


def reshaping_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """A custom EXCEPTION_HANDLER that wraps every error the way some APIs do."""
    response = exception_handler(exc, context)
    if response is not None:
        response.data = {"errors": [response.data]}
    return response


@pytest.mark.usefixtures("any_drf_stack")
@pytest.mark.parametrize("scenario", [NO_TOKEN, BASIC, EXPIRED, VALID], ids=lambda s: s.name)
def test_is_authenticated_gets_the_core_answer(
    client: Client, minter: Minter, scenario: Scenario
) -> None:
    """DRF's own NotAuthenticated becomes token_missing / unsupported_scheme, with a 401: the
    core's answer, as ``JWTAuthentication`` would have raised it."""
    response = send(client, "/drf/authenticated/", scenario, minter)
    check_contract(response, scenario, minter, drf=True)


@pytest.mark.parametrize("path", ["/drf/open/", "/drf/exempt-open/"])
def test_allow_any_stays_anonymous_without_token(
    client: Client, minter: Minter, any_drf_stack: str, path: str
) -> None:
    """A bad token is refused everywhere; no token is anonymous, except that an enforcing
    middleware refuses it on a view that is not ``@jwt_exempt`` (through DRF, like the rest)."""
    check_answer(send(client, path, EXPIRED, minter), EXPIRED, drf=True)
    assert client.get(path, headers=bearer(minter.token())).json()["user"] == "alice"
    if any_drf_stack == "enforcing middleware" and path == "/drf/open/":
        check_answer(send(client, path, NO_TOKEN, minter), NO_TOKEN, drf=True)
        check_answer(send(client, path, BASIC, minter), BASIC, drf=True)
        return
    assert client.get(path).json()["user"] is None
    assert client.get(path, headers={"Authorization": "Basic YTpi"}).status_code == 200


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


@pytest.mark.usefixtures("any_drf_stack")
def test_browsers_get_the_same_refusal(client: Client, minter: Minter) -> None:
    """Content negotiation picks the browsable API, but a refusal is the core's JSON."""
    for scenario in (NO_TOKEN, EXPIRED):
        headers = {**scenario.headers(minter), "Accept": "text/html"}
        response = client.get(f"/drf/{scope_key(())}/", headers=headers)
        check_answer(response, scenario, drf=True)
    html = client.get("/drf/none/", headers={**bearer(minter.token()), "Accept": "text/html"})
    assert html.status_code == 200
    assert html.headers["Content-Type"].startswith("text/html")


def test_a_custom_exception_handler_keeps_its_shape(
    minter: Minter, jwtguard_setting: dict[str, object]
) -> None:
    """A handler that replaces the body gets it in the negotiated renderer, with the core's
    document inside (also for DRF's own ``NotAuthenticated``), the same in every setup."""
    answers = set()
    for stack in DRF_STACKS:
        with drf_stack(stack, jwtguard_setting), handled_by("reshaping_handler"):
            refused = Client().get("/drf/notes/", headers=EXPIRED.headers(minter))
            anonymous = Client().get("/drf/authenticated/")
        assert refused.status_code == 401
        assert refused.json() == {"errors": [json.loads(expected_body(EXPIRED, drf=True))]}
        check_challenge(refused, EXPIRED.challenge)
        assert anonymous.status_code == 401
        assert anonymous.json() == {"errors": [json.loads(expected_body(NO_TOKEN, drf=True))]}
        check_challenge(anonymous, NO_TOKEN.challenge)
        answers.add((wire(refused), wire(anonymous)))
    assert len(answers) == 1


def handled_by(name: str) -> override_settings:
    """DRF's settings of the tests, with ``EXCEPTION_HANDLER`` ``name`` (a dotted path, or a
    function of this module)."""
    handler = name if "." in name else f"tests.django.test_drf.{name}"
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "EXCEPTION_HANDLER": handler}
    )


#: The exceptions :func:`request_id_handler` was given.
HANDLED: list[Exception] = []


def request_id_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """A custom EXCEPTION_HANDLER as projects write them: DRF's answer plus a request id."""
    HANDLED.append(exc)
    response = exception_handler(exc, context)
    if response is not None:
        response.data["request_id"] = "req-7f3a"
    return response


#: One refusal of each answer class (the outage has its own test below).
REFUSALS = [
    (f"/drf/{scope_key(s.scopes)}/", s) for s in SAMPLES if s.code is not None and not s.keys_down
]
NOT_AUTHENTICATED = [("/drf/authenticated/", s) for s in (NO_TOKEN, BASIC, EXPIRED)]
BAD_TOKEN_ANYWHERE = [("/drf/open/", EXPIRED), ("/drf/exempt-open/", EXPIRED)]


@pytest.mark.parametrize(
    ("path", "scenario"),
    REFUSALS + NOT_AUTHENTICATED + BAD_TOKEN_ANYWHERE,
    ids=lambda value: value.name if isinstance(value, Scenario) else value,
)
def test_the_exception_handler_sees_every_refusal(
    minter: Minter, path: str, scenario: Scenario, jwtguard_setting: dict[str, object]
) -> None:
    """Once per refusal, with or without the middleware; what it adds is in the answer, which
    is otherwise the core's, byte for byte the same in every setup."""
    assert scenario.body is not None
    expected = {**json.loads(expected_body(scenario, drf=True)), "request_id": "req-7f3a"}
    answers = set()
    for stack in DRF_STACKS:
        HANDLED.clear()
        with drf_stack(stack, jwtguard_setting), handled_by("request_id_handler"):
            response = send(Client(), path, scenario, minter)
        assert [type(exc).__name__ for exc in HANDLED] in (
            ["BearerError"],
            ["NotAuthenticated"],  # IsAuthenticated, where no middleware refused first
        ), stack
        assert response.status_code == scenario.status
        assert response.content == json.dumps(expected, separators=(",", ":")).encode()
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Cache-Control"] == "no-store"
        check_challenge(response, scenario.challenge)
        answers.add(wire(response))
    assert len(answers) == 1


def test_the_exception_handler_sees_an_outage(
    minter: Minter, jwtguard_setting: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 503 keeps ``Retry-After`` (and no challenge) in every setup."""
    answers = set()
    for stack in DRF_STACKS:
        HANDLED.clear()
        with drf_stack(stack, jwtguard_setting), handled_by("request_id_handler"):
            cut_off_keys(monkeypatch)
            response = Client().get("/drf/none/", headers=VALID.headers(minter))
        assert [type(exc).__name__ for exc in HANDLED] == ["BearerError"], (stack, response.content)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "12"
        assert "WWW-Authenticate" not in response.headers
        assert response.json()["code"] == "key_source_unavailable"
        assert response.json()["request_id"] == "req-7f3a"
        answers.add(wire(response))
    assert len(answers) == 1


DOCS = Path(__file__).resolve().parents[2] / "docs" / "drf.md"


def test_the_documented_exception_handler(
    minter: Minter, jwtguard_setting: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/drf.md's handler, as written, and the answers the page shows, in every setup."""
    text = DOCS.read_text("utf-8")
    module = types.ModuleType("docs_drf_errors")
    run_block("drf-exception-handler", vars(module))
    monkeypatch.setitem(sys.modules, module.__name__, module)
    shown = [line for line in text.splitlines() if line.startswith('{"error":')]
    challenge = next(line for line in text.splitlines() if line.startswith("WWW-Authenticate: "))
    handler = f"{module.__name__}.api_exception_handler"
    for stack in DRF_STACKS:
        with drf_stack(stack, jwtguard_setting), handled_by(handler):
            headers = EXPIRED.headers(minter)
            generated = Client().get("/drf/none/", headers=headers)
            given = Client().get("/drf/none/", headers={**headers, "X-Request-ID": "7f3a9c"})
        assert given.content.decode() == shown[1]
        assert f"WWW-Authenticate: {given.headers['WWW-Authenticate']}" == challenge
        request_id = json.loads(generated.content)["request_id"]
        assert generated.content.decode() == shown[1].replace("7f3a9c", request_id)
    with override_settings(MIDDLEWARE=[]):
        plain = Client().get("/drf/none/", headers=EXPIRED.headers(minter))
    assert plain.content.decode() == shown[0]


def test_a_handler_may_change_and_remove_keys(minter: Minter) -> None:
    """The body is the handler's: its changes and removals too (on the core's exact values)."""
    with handled_by("editing_handler"):
        response = Client().get("/drf/none/", headers=EXPIRED.headers(minter))
    assert response.status_code == 401
    assert response.content == (
        b'{"error":"invalid_token","error_description":"The access token expired",'
        b'"code":"E-401","trace":["a","b"]}'
    )
    assert response.headers["Content-Type"] == "application/json"
    check_challenge(response, EXPIRED.challenge)


def test_a_handler_that_changes_the_status_gets_the_negotiated_renderer(minter: Minter) -> None:
    """Not jwtguard's answer any more: DRF's renderer, without jwtguard's headers."""
    with handled_by("status_changing_handler"):
        response = Client().get("/drf/none/", headers=EXPIRED.headers(minter))
    assert response.status_code == 400
    assert response.json() == json.loads(expected_body(EXPIRED, drf=True))
    assert response.headers["Content-Type"] == "application/json"
    assert "Cache-Control" not in response.headers


def status_changing_handler(exc: Exception, context: dict[str, Any]) -> Any:
    response = exception_handler(exc, context)
    if response is not None:
        response.status_code = 400
    return response


def editing_handler(exc: Exception, context: dict[str, Any]) -> Any:
    response = exception_handler(exc, context)
    if response is not None:
        del response.data["detail"]
        response.data["code"] = "E-401"
        response.data["trace"] = ["a", "b"]
    return response


@pytest.mark.django_db
def test_another_class_failing_keeps_its_answer(caplog: pytest.LogCaptureFixture) -> None:
    """Basic credentials that BasicAuthentication (listed second) refuses: DRF's body, our
    challenge (DRF asks the first class for it), no jwtguard audit record (not its refusal)."""
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    view = AuthenticatedView.as_view(
        authentication_classes=[JWTAuthentication, BasicAuthentication]
    )
    response = view(RequestFactory().get("/", headers={"Authorization": "Basic YTpi"}))
    response.render()
    assert response.status_code == 401
    assert json.loads(response.content) == {"detail": "Invalid username/password."}
    check_challenge(response, NO_TOKEN.challenge)
    assert audit_records(caplog) == []


@pytest.mark.parametrize("stack", DRF_STACKS)
def test_problem_format(minter: Minter, jwtguard_setting: dict[str, object], stack: str) -> None:
    """RFC 9457 documents have a ``detail`` already: the body is the core's, byte for byte."""
    problem = {**jwtguard_setting, "ERROR_FORMAT": "problem"}
    with override_settings(JWTGUARD=problem), drf_stack(stack, problem):
        response = Client().get("/drf/none/", headers=EXPIRED.headers(minter))
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
    assert renderer.strict is True, "any other attribute is the negotiated renderer's"


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


# --- behind the middleware: which refusals it leaves to DRF, and what if DRF does not raise them


@pytest.mark.parametrize("path", ["/drf/lazy/", "/drf/session-only/"])
def test_the_middleware_refuses_where_drf_would_not(
    client: Client, minter: Minter, path: str
) -> None:
    """A DRF view that does not authenticate with JWTAuthentication first (or only lazily, in
    its handler) is answered by the middleware: the view never runs with a bad token."""
    CALLS.clear()
    response = send(client, path, EXPIRED, minter)
    check_answer(response, EXPIRED)  # the middleware's answer: no "detail"
    assert CALLS == []
    assert client.get(path, headers=bearer(minter.token())).json() == {"ran": True}


def test_a_refusal_drf_never_raised_is_the_middlewares(
    client: Client, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    """DRF answers before authenticating (406: no renderer for the ``Accept`` header): the
    middleware answers the refusal it left to the view, once, and says why in the log."""
    caplog.set_level(logging.INFO, logger="jwtguard")
    headers = {**EXPIRED.headers(minter), "Accept": "application/xml"}
    response = client.get("/drf/exempt-open/", headers=headers)
    check_answer(response, EXPIRED)
    assert [record.code for record in audit_records(caplog)] == ["token_expired"]
    [warning] = [r for r in caplog.records if r.name == "jwtguard" and r.levelname == "WARNING"]
    assert warning.getMessage() == (
        "DRF view tests.django.views.ExemptOpenView answered 406 without raising jwtguard's "
        "refusal (token_expired): refused by the middleware instead"
    )
    without_token = client.get("/drf/exempt-open/", headers={"Accept": "application/xml"})
    assert without_token.status_code == 406, "what DRF answers when no refusal is left to it"


@api_view(["GET"])
def drf_function(request: Request) -> Response:
    return Response({})


@api_view(["GET"])
@authentication_classes([SessionAuthentication])
def drf_session_function(request: Request) -> Response:
    return Response({})


class OwnAuthentication(JWTAuthentication):
    pass


class PickedAuthenticators(OpenView):
    def get_authenticators(self) -> list[Any]:
        return [JWTAuthentication()]


class NotesViewSet(ViewSet):
    def list(self, request: Request) -> Response:
        return Response([])

    @action(detail=False, authentication_classes=[SessionAuthentication])
    def mine(self, request: Request) -> Response:
        return Response([])


ROUTER = SimpleRouter()
ROUTER.register("notes", NotesViewSet, basename="notes")
ROUTES = {route.name: route.callback for route in ROUTER.urls}


def plain_function(request: HttpRequest) -> JsonResponse:
    return JsonResponse({})


@pytest.mark.parametrize(
    ("view", "raises"),
    [
        (OpenView.as_view(), True),
        (OpenView.as_view(authentication_classes=[OwnAuthentication]), True),
        (OpenView.as_view(authentication_classes=[JWTAuthentication, SessionAuthentication]), True),
        (
            OpenView.as_view(authentication_classes=[SessionAuthentication, JWTAuthentication]),
            False,
        ),
        (OpenView.as_view(authentication_classes=[]), False),
        (drf_function, True),
        (drf_session_function, False),
        (LazyView.as_view(), False),
        (PickedAuthenticators.as_view(), False),
        (APIView.as_view(authentication_classes=[JWTAuthentication]), True),
        (ROUTES["notes-list"], True),
        (ROUTES["notes-mine"], False),  # @action(authentication_classes=...)
        (plain_function, False),
        (View.as_view(), False),
    ],
)
def test_which_views_raise_left_refusals(view: Any, raises: bool) -> None:
    assert raises_left_refusals(view) is raises
