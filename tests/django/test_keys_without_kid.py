"""A token without ``kid`` where several keys would fit (issue 11 §5), answered through Django:
``401 invalid_token`` / ``unknown_key`` from the middleware and from DRF, no key tried."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client, override_settings

from jwtguard.testing import generate_key
from tests.contract import Minter, Scenario, bearer
from tests.django.answers import check_answer, send

WITHOUT_KID = Scenario(
    "token without kid, two RS256 keys",
    401,
    "unknown_key",
    headers=lambda m: bearer(m.token(header={"alg": "RS256", "typ": "at+jwt"})),
)


@pytest.fixture
def without_middleware() -> Iterator[None]:
    with override_settings(MIDDLEWARE=[]):
        yield


@pytest.fixture
def two_rsa_keys(jwtguard_setting: dict[str, object], minter: Minter) -> Iterator[None]:
    jwks = minter.key.jwks(minter.ec_key, generate_key("RS256", kid="rsa-2"))
    with override_settings(JWTGUARD={**jwtguard_setting, "JWKS": jwks}):
        yield


@pytest.mark.usefixtures("two_rsa_keys")
def test_the_middleware_answers_unknown_key(client: Client, minter: Minter) -> None:
    response = send(client, "/plain/", WITHOUT_KID, minter)
    check_answer(response, WITHOUT_KID)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json()["code"] == "unknown_key"


@pytest.mark.usefixtures("two_rsa_keys", "without_middleware")
def test_drf_answers_unknown_key(client: Client, minter: Minter) -> None:
    response = send(client, "/drf/authenticated/", WITHOUT_KID, minter)
    check_answer(response, WITHOUT_KID, drf=True)
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_with_one_rsa_key_the_same_token_is_accepted(client: Client, minter: Minter) -> None:
    assert send(client, "/plain/", WITHOUT_KID, minter).status_code == 200
