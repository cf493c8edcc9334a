"""jwtguard's pytest plugin (loaded automatically once jwtguard is installed).

Fixtures for testing your own protected views, all named ``jwtguard_*`` so that they cannot
collide with your project's own fixtures:

``jwtguard_make_token(**claims)``
    a signed token; defaults ``iss``, ``aud``, ``sub``, ``iat``, ``exp`` (5 min), ``jti``; a
    claim given as ``None`` is left out.
``jwtguard_settings``
    settings trusting those tokens: ``override_settings(JWTGUARD=jwtguard_settings)`` in
    Django, ``app.config["JWTGUARD"] = jwtguard_settings`` in Flask.
``jwtguard_config``
    the same as a :class:`~jwtguard.GuardConfig`, for the core (``Validator(jwtguard_config)``)
    or a Flask ``app.config["JWTGUARD"]``.
``jwtguard_factory``, ``jwtguard_key``, ``jwtguard_jwks``
    the :class:`~jwtguard.testing.TokenFactory`, its signing key and its JWK Set.

Override ``jwtguard_algorithm``, ``jwtguard_issuer`` or ``jwtguard_audience`` (plain fixtures)
in your ``conftest.py`` to match your API.

The names of version 0.1 (``make_token``, ``jwt_factory``, ``jwt_key``, ``jwt_jwks``, and
``jwt_algorithm``, ``jwt_issuer``, ``jwt_audience`` overridden in a ``conftest.py``) still work
in this release, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

from .config import GuardConfig
from .testing import SigningKey, TokenFactory, generate_key

#: Version 0.1's fixture names and the names that replace them.
RENAMED = {
    "make_token": "jwtguard_make_token",
    "jwt_factory": "jwtguard_factory",
    "jwt_key": "jwtguard_key",
    "jwt_jwks": "jwtguard_jwks",
    "jwt_algorithm": "jwtguard_algorithm",
    "jwt_issuer": "jwtguard_issuer",
    "jwt_audience": "jwtguard_audience",
}


def _deprecated(old: str) -> None:
    warnings.warn(
        f"the {old} fixture is deprecated and will be removed: use {RENAMED[old]}",
        DeprecationWarning,
        stacklevel=2,
    )


def _setting(request: pytest.FixtureRequest, old: str, default: str) -> str:
    """``default``, unless the project still overrides the fixture's old name."""
    try:
        value = request.getfixturevalue(old)
    except pytest.FixtureLookupError:
        return default
    _deprecated(old)
    return str(value)


@pytest.fixture
def jwtguard_algorithm(request: pytest.FixtureRequest) -> str:
    """The algorithm of the test key (override to match your API)."""
    return _setting(request, "jwt_algorithm", "ES256")


@pytest.fixture
def jwtguard_issuer(request: pytest.FixtureRequest) -> str:
    """The ``iss`` of test tokens and the trusted ``ISSUER``."""
    return _setting(request, "jwt_issuer", "https://issuer.test/")


@pytest.fixture
def jwtguard_audience(request: pytest.FixtureRequest) -> str:
    """The ``aud`` of test tokens and the accepted ``AUDIENCE``."""
    return _setting(request, "jwt_audience", "api://test")


@pytest.fixture
def jwtguard_key(jwtguard_algorithm: str) -> SigningKey:
    """A fresh signing key (``kid`` ``test-key``)."""
    return generate_key(jwtguard_algorithm, kid="test-key")


@pytest.fixture
def jwtguard_factory(
    jwtguard_key: SigningKey, jwtguard_issuer: str, jwtguard_audience: str
) -> TokenFactory:
    """Tokens signed by ``jwtguard_key`` for ``jwtguard_issuer`` and ``jwtguard_audience``."""
    return TokenFactory(jwtguard_key, issuer=jwtguard_issuer, audience=jwtguard_audience)


@pytest.fixture
def jwtguard_jwks(jwtguard_factory: TokenFactory) -> dict[str, Any]:
    """The trusted JWK Set (public key only)."""
    return jwtguard_factory.jwks()


@pytest.fixture
def jwtguard_settings(jwtguard_factory: TokenFactory) -> dict[str, Any]:
    """jwtguard settings trusting the test tokens (Django ``JWTGUARD``, Flask config)."""
    return jwtguard_factory.settings()


@pytest.fixture
def jwtguard_config(jwtguard_factory: TokenFactory) -> GuardConfig:
    """A :class:`~jwtguard.GuardConfig` trusting the test tokens."""
    return jwtguard_factory.config()


@pytest.fixture
def jwtguard_make_token(jwtguard_factory: TokenFactory) -> Callable[..., str]:
    """``jwtguard_make_token(**claims)``: a signed test token; a claim given as ``None`` is left
    out."""
    return jwtguard_factory.make


# --- version 0.1's names, deprecated ---------------------------------------------------------
# jwt_algorithm, jwt_issuer and jwt_audience are not defined here: a project that still
# overrides one is found by _setting above, and a test that reads one should read the new name.


@pytest.fixture
def make_token(jwtguard_make_token: Callable[..., str]) -> Callable[..., str]:
    """Deprecated: use ``jwtguard_make_token``."""
    _deprecated("make_token")
    return jwtguard_make_token


@pytest.fixture
def jwt_factory(jwtguard_factory: TokenFactory) -> TokenFactory:
    """Deprecated: use ``jwtguard_factory``."""
    _deprecated("jwt_factory")
    return jwtguard_factory


@pytest.fixture
def jwt_key(jwtguard_key: SigningKey) -> SigningKey:
    """Deprecated: use ``jwtguard_key``."""
    _deprecated("jwt_key")
    return jwtguard_key


@pytest.fixture
def jwt_jwks(jwtguard_jwks: dict[str, Any]) -> dict[str, Any]:
    """Deprecated: use ``jwtguard_jwks``."""
    _deprecated("jwt_jwks")
    return jwtguard_jwks
