"""Who the token is: the stateless TokenUser, or a Django user through USER_RESOLVER."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.test import AsyncClient, Client, override_settings

from jwtguard import AccessToken
from jwtguard_django.users import TokenUser
from tests.contract import Minter, bearer
from tests.django import resolvers


@pytest.fixture
def resolver(jwtguard_setting: dict[str, object], request: pytest.FixtureRequest) -> Iterator[None]:
    resolvers.calls.clear()
    name = getattr(request, "param", "by_username")
    with override_settings(
        JWTGUARD={**jwtguard_setting, "USER_RESOLVER": f"tests.django.resolvers.{name}"}
    ):
        yield


def test_token_user() -> None:
    token = AccessToken(claims={"sub": "alice"}, header={"alg": "ES256"}, scopes=frozenset())
    user = TokenUser(token)
    assert (user.id, user.pk, user.username, user.get_username(), str(user)) == ("alice",) * 5
    assert user.is_authenticated
    assert not user.is_anonymous
    assert not user.is_staff
    assert not user.is_superuser
    assert not user.has_perm("notes.add_note")
    assert not user.has_perms(["notes.add_note"])
    assert not user.has_module_perms("notes")
    assert user.get_all_permissions() == set()
    assert user == TokenUser(token)
    assert hash(user) == hash(TokenUser(token))
    assert repr(user) == "TokenUser(username='alice')"
    with pytest.raises(NotImplementedError):
        user.save()
    with pytest.raises(NotImplementedError):
        user.delete()


def test_token_user_without_subject() -> None:
    user = TokenUser(AccessToken(claims={}, header={"alg": "ES256"}, scopes=frozenset()))
    assert (user.id, user.username) == (None, "")
    assert user.is_authenticated


@pytest.mark.django_db
@pytest.mark.usefixtures("resolver")
@pytest.mark.parametrize("path", ["/plain/", "/drf/none/", "/decorated/sync/none/"])
def test_resolver_maps_claims_to_a_django_user(client: Client, minter: Minter, path: str) -> None:
    User.objects.create(username="alice")
    answer = client.get(path, headers=bearer(minter.token())).json()
    assert (answer["user"], answer["user_type"]) == ("alice", "User")
    assert len(resolvers.calls) == 1, "resolved once, even with middleware and DRF"


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("resolver")
async def test_resolver_runs_off_the_event_loop(async_client: AsyncClient, minter: Minter) -> None:
    await User.objects.acreate(username="alice")
    answer = (await async_client.get("/async-plain/", headers=bearer(minter.token()))).json()
    assert (answer["user"], answer["user_type"]) == ("alice", "User")
    assert resolvers.calls
    assert threading.get_ident() not in resolvers.calls


@pytest.mark.django_db
@pytest.mark.usefixtures("resolver")
@pytest.mark.parametrize("path", ["/plain/", "/drf/none/"])
def test_unknown_user_is_refused(client: Client, minter: Minter, path: str) -> None:
    response = client.get(path, headers=bearer(minter.token(sub="mallory")))
    assert response.status_code == 401
    body = json.loads(response.content)
    assert body["code"] == "claim_invalid"
    assert body["error_description"] == "The access token's subject is not a known user"


@pytest.mark.parametrize("resolver", ["revoking"], indirect=True)
@pytest.mark.usefixtures("resolver")
def test_resolver_may_refuse_with_an_auth_error(client: Client, minter: Minter) -> None:
    response = client.get("/plain/", headers=bearer(minter.token()))
    assert response.status_code == 401
    assert json.loads(response.content)["code"] == "token_revoked"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("resolver", ["unsaved_user"], indirect=True)
@pytest.mark.usefixtures("resolver")
def test_resolver_needs_no_database(client: Client, minter: Minter) -> None:
    assert client.get("/plain/", headers=bearer(minter.token())).json()["user"] == "django-alice"
