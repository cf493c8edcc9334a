"""``JWTGuardMiddleware`` beyond the contract table: modes, exemptions, preflight, start-up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.test import AsyncClient, Client, RequestFactory, override_settings

from jwtguard import ConfigurationError
from jwtguard_django import get_token
from jwtguard_django.middleware import JWTGuardMiddleware
from jwtguard_django.users import TokenUser
from tests.contract import Minter, bearer
from tests.django.conftest import AsyncOnlyKeySource

EXPIRED_DESCRIPTION = "The access token expired"


def expired(minter: Minter) -> dict[str, str]:
    return bearer(minter.token(now=0, lifetime=600))


def code(response: Any) -> str | None:
    return json.loads(response.content).get("code") if response.status_code >= 400 else None


@pytest.fixture
def annotate(jwtguard_setting: dict[str, object]) -> Iterator[None]:
    with override_settings(JWTGUARD={**jwtguard_setting, "MODE": "annotate"}):
        yield


def test_sync_and_async_capable() -> None:
    def get_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    async def aget_response(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    assert JWTGuardMiddleware.sync_capable
    assert JWTGuardMiddleware.async_capable
    assert not iscoroutinefunction(JWTGuardMiddleware(get_response))
    assert iscoroutinefunction(JWTGuardMiddleware(aget_response))


def test_wrong_configuration_stops_the_start_up() -> None:
    with override_settings(JWTGUARD={"ALGORITHMS": ["RS256"], "AUDIENCE": "api://notes"}):
        with pytest.raises(ConfigurationError, match="no key source"):
            JWTGuardMiddleware(lambda request: HttpResponse())
        with pytest.raises(ConfigurationError, match="no key source"):
            Client().get("/plain/")


def test_attaches_token_and_user(minter: Minter) -> None:
    seen: dict[str, Any] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen.update(token=get_token(request), user=request.user)
        return HttpResponse()

    request = RequestFactory().get("/plain/", headers=bearer(minter.token(scope="a b")))
    JWTGuardMiddleware(view)(request)
    token, user = seen["token"], seen["user"]
    assert token.subject == "alice"
    assert token.scopes == {"a", "b"}
    assert isinstance(user, TokenUser)
    assert user.token is token


async def test_attaches_user_in_async_mode(minter: Minter) -> None:
    seen: dict[str, Any] = {}

    async def view(request: HttpRequest) -> HttpResponse:
        seen.update(user=request.user, auser=await request.auser())
        return HttpResponse()

    request = RequestFactory().get("/plain/", headers=bearer(minter.token()))
    response = await JWTGuardMiddleware(view)(request)
    assert response.status_code == 200
    assert isinstance(seen["user"], TokenUser)
    assert seen["auser"] is seen["user"]


@pytest.mark.parametrize(
    ("middleware", "path"),
    [
        (True, "/async-plain/"),
        (True, "/plain/"),
        (True, "/decorated/async/none/"),
        (False, "/decorated/async/none/"),
    ],
)
async def test_async_stacks_use_the_async_key_path(
    async_client: AsyncClient,
    minter: Minter,
    async_only_keys: AsyncOnlyKeySource,
    middleware: bool,
    path: str,
) -> None:
    """In async code a key lookup (a remote JWKS fetch) is awaited, never run inline."""
    with override_settings(**({} if middleware else {"MIDDLEWARE": []})):
        response = await async_client.get(path, headers=bearer(minter.token()))
    assert response.json()["user"] == "alice"
    assert async_only_keys.lookups == 1


def test_get_token_is_none_when_nothing_checked() -> None:
    assert get_token(RequestFactory().get("/plain/")) is None


@pytest.mark.parametrize("path", ["/exempt/", "/exempt-class/"])
def test_jwt_exempt_views_need_no_token_but_refuse_a_bad_one(
    client: Client, minter: Minter, path: str
) -> None:
    assert client.get(path).json()["sub"] is None
    assert client.get(path, headers={"Authorization": "Basic YTpi"}).json()["sub"] is None
    assert client.get(path, headers=bearer(minter.token())).json()["sub"] == "alice"
    refused = client.get(path, headers=expired(minter))
    assert refused.status_code == 401
    assert code(refused) == "token_expired"
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_exempt_paths(client: Client, minter: Minter, jwtguard_setting: dict[str, object]) -> None:
    with override_settings(JWTGUARD={**jwtguard_setting, "EXEMPT_PATHS": [r"^/plain/$"]}):
        assert client.get("/plain/").json()["sub"] is None
        assert client.get("/plain/", headers=bearer(minter.token())).json()["sub"] == "alice"
        assert code(client.get("/plain/", headers=expired(minter))) == "token_expired"
        assert code(client.get("/async-plain/")) == "token_missing"


def test_unknown_paths_are_not_exempt(client: Client, minter: Minter) -> None:
    assert code(client.get("/nowhere/")) == "token_missing"
    assert client.get("/nowhere/", headers=bearer(minter.token())).status_code == 404


@pytest.mark.usefixtures("annotate")
def test_annotate_mode_only_annotates(client: Client, minter: Minter) -> None:
    anonymous = client.get("/plain/").json()
    assert (anonymous["sub"], anonymous["user"]) == (None, None)
    assert client.get("/plain/", headers=bearer(minter.token())).json()["user"] == "alice"
    refused = client.get("/plain/", headers=expired(minter))
    assert (refused.status_code, code(refused)) == (401, "token_expired")
    assert code(client.get("/plain/", headers={"Authorization": "Bearer"})) == "malformed_request"


@pytest.mark.usefixtures("annotate")
async def test_annotate_mode_async(async_client: AsyncClient, minter: Minter) -> None:
    assert (await async_client.get("/async-plain/")).json()["sub"] is None
    refused = await async_client.get("/async-plain/", headers=expired(minter))
    assert code(refused) == "token_expired"


def test_realm_follows_override_settings(
    client: Client, jwtguard_setting: dict[str, object]
) -> None:
    assert client.get("/plain/").headers["WWW-Authenticate"] == 'Bearer realm="notes"'
    with override_settings(JWTGUARD={**jwtguard_setting, "REALM": "elsewhere"}):
        assert Client().get("/plain/").headers["WWW-Authenticate"] == 'Bearer realm="elsewhere"'
