"""``@jwt_required`` and ``@jwt_exempt`` beyond the contract table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory, override_settings

from jwtguard.testing import parse_challenge
from jwtguard_django import get_token
from jwtguard_django.decorators import jwt_exempt, jwt_required
from tests.contract import Minter, bearer


@pytest.fixture(autouse=True)
def without_middleware() -> Iterator[None]:
    with override_settings(MIDDLEWARE=[]):
        yield


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def challenge(response: Any) -> dict[str, str]:
    return parse_challenge(response.headers["WWW-Authenticate"])[1]


def test_bare_decorator(client: Client, minter: Minter) -> None:
    refused = client.get("/bare/")
    assert refused.status_code == 401
    assert json.loads(refused.content)["code"] == "token_missing"
    assert client.get("/bare/", headers=bearer(minter.token())).json()["user"] == "alice"


def test_any_of(client: Client, minter: Minter) -> None:
    refused = client.get("/any-of/", headers=bearer(minter.token()))
    assert refused.status_code == 403
    assert challenge(refused)["scope"] == "notes:read notes:admin"  # one set that would do
    granted = bearer(minter.token(scope="notes:read notes:root"))
    assert client.get("/any-of/", headers=granted).status_code == 200


def test_scopes_as_a_space_delimited_string(minter: Minter) -> None:
    view = jwt_required(scopes="notes:read notes:write")(ok)
    refused = view(RequestFactory().get("/", headers=bearer(minter.token())))
    assert refused.status_code == 403
    assert challenge(refused)["scope"] == "notes:read notes:write"
    granted = bearer(minter.token(scope="notes:write notes:read"))
    assert view(RequestFactory().get("/", headers=granted)).status_code == 200


def test_scopes_must_be_a_keyword() -> None:
    with pytest.raises(TypeError, match="scopes as a keyword"):
        jwt_required("notes:read")  # type: ignore[call-overload]


def test_keeps_the_view_sync_or_async() -> None:
    async def async_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    decorated = jwt_required(scopes=["a"])(async_view)
    assert iscoroutinefunction(decorated)
    assert decorated.__name__ == "async_view"
    assert not iscoroutinefunction(jwt_required(ok))


def test_jwt_exempt_marks_functions_and_classes() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    class View:
        pass

    assert jwt_exempt(view) is view
    assert view.jwt_exempt is True  # type: ignore[attr-defined]
    assert jwt_exempt(View).jwt_exempt is True  # type: ignore[attr-defined]


def token_view(request: HttpRequest) -> JsonResponse:
    token = get_token(request)
    return JsonResponse({"sub": token.subject if token is not None else None})


async def async_token_view(request: HttpRequest) -> JsonResponse:
    return token_view(request)


async def call(view: Any, request: HttpRequest) -> Any:
    return await view(request) if iscoroutinefunction(view) else view(request)


@pytest.mark.parametrize("view", [token_view, async_token_view], ids=["sync", "async"])
async def test_optional_lets_a_request_without_a_token_reach_the_view(
    minter: Minter, view: Any
) -> None:
    optional = jwt_required(optional=True)(view)
    factory = RequestFactory()
    anonymous = await call(optional, factory.get("/"))
    assert (anonymous.status_code, json.loads(anonymous.content)) == (200, {"sub": None})
    basic = await call(optional, factory.get("/", headers={"Authorization": "Basic YTpi"}))
    assert json.loads(basic.content) == {"sub": None}, "no bearer token is no token"
    with_token = await call(optional, factory.get("/", headers=bearer(minter.token())))
    assert json.loads(with_token.content) == {"sub": "alice"}


@pytest.mark.parametrize("view", [token_view, async_token_view], ids=["sync", "async"])
async def test_optional_still_refuses_a_bad_token(minter: Minter, view: Any) -> None:
    optional = jwt_required(optional=True, scopes="notes:write")(view)
    factory = RequestFactory()
    expired = await call(optional, factory.get("/", headers=bearer(minter.token(now=0))))
    assert (expired.status_code, json.loads(expired.content)["code"]) == (401, "token_expired")
    malformed = await call(optional, factory.get("/", headers={"Authorization": "Bearer"}))
    assert malformed.status_code == 400
    weak = await call(optional, factory.get("/", headers=bearer(minter.token())))
    assert (weak.status_code, challenge(weak)["scope"]) == (403, "notes:write")
    assert (await call(optional, factory.get("/"))).status_code == 200


def test_optional_does_not_lift_an_enforcing_middleware(client: Client) -> None:
    """The middleware decides first: an optional view under it also needs ``@jwt_exempt``
    (or ``MODE = "annotate"``), as with Flask's blueprint protection."""
    with override_settings(MIDDLEWARE=["jwtguard_django.middleware.JWTGuardMiddleware"]):
        assert client.get("/optional/").status_code == 401
        assert client.get("/optional-exempt/").json() == {"sub": None}
