"""jwtguard's pytest plugin (loaded automatically once jwtguard is installed).

Fixtures for testing your own protected views:

``make_token(**claims)``
    a signed token; defaults ``iss``, ``aud``, ``sub``, ``iat``, ``exp`` (5 min), ``jti``; a
    claim given as ``None`` is left out.
``jwtguard_settings``
    settings trusting those tokens: ``override_settings(JWTGUARD=jwtguard_settings)`` in
    Django, ``app.config["JWTGUARD"] = jwtguard_settings`` in Flask.
``jwtguard_config``
    the same as a :class:`~jwtguard.GuardConfig`, for the core (``Validator(jwtguard_config)``)
    or a Flask ``app.config["JWTGUARD"]``.
``jwt_factory``, ``jwt_key``, ``jwt_jwks``
    the :class:`~jwtguard.testing.TokenFactory`, its signing key and its JWK Set.

Override ``jwt_algorithm``, ``jwt_issuer`` or ``jwt_audience`` (plain fixtures) in your
``conftest.py`` to match your API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .config import GuardConfig
from .testing import SigningKey, TokenFactory, generate_key


@pytest.fixture
def jwt_algorithm() -> str:
    """The algorithm of the test key (override to match your API)."""
    return "ES256"


@pytest.fixture
def jwt_issuer() -> str:
    """The ``iss`` of test tokens and the trusted ``ISSUER``."""
    return "https://issuer.test/"


@pytest.fixture
def jwt_audience() -> str:
    """The ``aud`` of test tokens and the accepted ``AUDIENCE``."""
    return "api://test"


@pytest.fixture
def jwt_key(jwt_algorithm: str) -> SigningKey:
    """A fresh signing key (``kid`` ``test-key``)."""
    return generate_key(jwt_algorithm, kid="test-key")


@pytest.fixture
def jwt_factory(jwt_key: SigningKey, jwt_issuer: str, jwt_audience: str) -> TokenFactory:
    """Tokens signed by ``jwt_key`` for ``jwt_issuer`` and ``jwt_audience``."""
    return TokenFactory(jwt_key, issuer=jwt_issuer, audience=jwt_audience)


@pytest.fixture
def jwt_jwks(jwt_factory: TokenFactory) -> dict[str, Any]:
    """The trusted JWK Set (public key only)."""
    return jwt_factory.jwks()


@pytest.fixture
def jwtguard_settings(jwt_factory: TokenFactory) -> dict[str, Any]:
    """jwtguard settings trusting the test tokens (Django ``JWTGUARD``, Flask config)."""
    return jwt_factory.settings()


@pytest.fixture
def jwtguard_config(jwt_factory: TokenFactory) -> GuardConfig:
    """A :class:`~jwtguard.GuardConfig` trusting the test tokens."""
    return jwt_factory.config()


@pytest.fixture
def make_token(jwt_factory: TokenFactory) -> Callable[..., str]:
    """``make_token(**claims)``: a signed test token; a claim given as ``None`` is left out."""
    return jwt_factory.make
