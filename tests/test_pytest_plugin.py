"""jwtguard's pytest plugin, used the way users use it: small sample suites for a Flask app and
a Django project, run by ``pytester`` in their own directories."""

from __future__ import annotations

import pytest

from jwtguard import Validator, pytest_plugin
from jwtguard.testing import TokenFactory
from tests.doc_blocks import doc_blocks

pytest_plugins = ["pytester"]

#: The sample suites run without this project's other plugins (Flask samples need no Django).
FLASK_RUN = ("-p", "no:cacheprovider", "-p", "no:django", "-p", "no:asyncio")

#: The app of "Getting started with Flask", saved as notes_app.py, is the app under test.
FLASK_APP = doc_blocks()["flask"]
FLASK_TESTS = doc_blocks()["pytest-flask"]

DJANGO_SETTINGS = """
SECRET_KEY = "sample"
INSTALLED_APPS = ["jwtguard_django"]
MIDDLEWARE = ["jwtguard_django.middleware.JWTGuardMiddleware"]
ROOT_URLCONF = "sample_urls"
DATABASES = {}
USE_TZ = True
"""

DJANGO_URLS = """
from django.http import JsonResponse
from django.urls import path
from jwtguard_django import get_token
from jwtguard_django.decorators import jwt_required


@jwt_required(scopes=["notes:read"])
def notes(request):
    return JsonResponse({"sub": get_token(request).subject})


urlpatterns = [path("notes/", notes)]
"""

DJANGO_TESTS = doc_blocks()["pytest-django"]


def test_flask_sample_suite(pytester: pytest.Pytester) -> None:
    """The testing page's Flask tests, against the Flask page's app factory, as written: the
    factory takes the fixture's settings (no conflicting key sources)."""
    pytester.makepyfile(notes_app=FLASK_APP, test_notes=FLASK_TESTS)
    pytester.syspathinsert()
    result = pytester.runpytest(*FLASK_RUN)
    result.assert_outcomes(passed=4)


def test_django_sample_suite(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    pytester.makepyfile(sample_settings=DJANGO_SETTINGS, sample_urls=DJANGO_URLS)
    pytester.makepyfile(test_notes=DJANGO_TESTS)
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:asyncio", "--ds", "sample_settings"
    )
    result.assert_outcomes(passed=3)


def test_core_sample_suite(pytester: pytest.Pytester) -> None:
    """Without a framework: the core validator and the plugin's GuardConfig."""
    pytester.makepyfile(
        test_core=doc_blocks()["pytest-core"],
        test_fixtures="""
def test_config_matches_the_settings(jwtguard_config, jwtguard_settings, jwtguard_jwks):
    assert jwtguard_config.issuers == (jwtguard_settings["ISSUER"],)
    assert jwtguard_config.jwks == jwtguard_jwks
""",
    )
    pytester.runpytest(*FLASK_RUN).assert_outcomes(passed=3)


def test_tokens_are_really_validated(pytester: pytest.Pytester) -> None:
    """A sample test that expects a token from another key to pass fails: nothing is faked."""
    pytester.makepyfile(notes_app=FLASK_APP)
    pytester.makepyfile(
        test_stranger="""
from jwtguard.testing import TokenFactory
from notes_app import create_app


def test_a_stranger_token_passes(jwtguard_settings):
    stranger = TokenFactory.generate(kid="test-key")
    client = create_app(jwtguard_settings).test_client()
    response = client.get("/api/me", headers=stranger.bearer(stranger(scope="notes:read")))
    assert response.status_code == 200
"""
    )
    pytester.syspathinsert()
    result = pytester.runpytest(*FLASK_RUN)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*assert 401 == 200*"])


def test_overriding_the_issuer_and_algorithm(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest

@pytest.fixture
def jwtguard_issuer():
    return "https://login.example.com/"

@pytest.fixture
def jwtguard_algorithm():
    return "EdDSA"
"""
    )
    pytester.makepyfile(
        test_override="""
import jwt

def test_settings_follow(jwtguard_settings, jwtguard_make_token):
    assert jwtguard_settings["ISSUER"] == "https://login.example.com/"
    assert jwtguard_settings["ALGORITHMS"] == ["EdDSA"]
    header = jwt.get_unverified_header(jwtguard_make_token())
    assert header["alg"] == "EdDSA"
"""
    )
    result = pytester.runpytest(*FLASK_RUN, "-W", "error::DeprecationWarning")
    result.assert_outcomes(passed=1)


def test_every_fixture_is_prefixed() -> None:
    """Only ``jwtguard_*`` names, plus version 0.1's four used names kept for one release."""
    fixture_type = type(pytest_plugin.jwtguard_key)
    names = {name for name, value in vars(pytest_plugin).items() if isinstance(value, fixture_type)}
    assert {name for name in names if not name.startswith("jwtguard_")} == {
        "make_token",
        "jwt_factory",
        "jwt_key",
        "jwt_jwks",
    }
    assert set(pytest_plugin.RENAMED.values()) | {"jwtguard_settings", "jwtguard_config"} == {
        name for name in names if name.startswith("jwtguard_")
    }


def test_old_fixture_names_work_with_a_deprecation_warning(pytester: pytest.Pytester) -> None:
    """A suite written for version 0.1 still passes, and is told what to rename."""
    pytester.makeconftest(
        """
import pytest

@pytest.fixture
def jwt_issuer():
    return "https://login.example.com/"

@pytest.fixture
def jwt_audience():
    return "api://old"

@pytest.fixture
def jwt_algorithm():
    return "RS256"
"""
    )
    pytester.makepyfile(
        test_old="""
import jwt
from jwtguard import Validator


def test_old_names(jwtguard_config, make_token, jwt_factory, jwt_key, jwt_jwks):
    token = Validator(jwtguard_config).validate(make_token(scope="a"))
    assert (token.issuer, token.audience, token.algorithm) == (
        "https://login.example.com/", ("api://old",), "RS256"
    )
    assert jwt_factory.key is jwt_key and jwt_jwks == jwt_factory.jwks()
"""
    )
    result = pytester.runpytest(*FLASK_RUN)
    result.assert_outcomes(passed=1)
    for old, new in pytest_plugin.RENAMED.items():
        result.stdout.fnmatch_lines(
            [f"*DeprecationWarning: the {old} fixture is deprecated and will be removed: use {new}"]
        )
    strict = pytester.runpytest(*FLASK_RUN, "-W", "error::DeprecationWarning")
    strict.assert_outcomes(errors=1)


def test_token_factory() -> None:
    factory = TokenFactory.generate("RS256", issuer="https://i/", audience="api://x")
    validator = Validator(factory.config(LEEWAY=0))
    token = validator.validate(factory(scope="a b", tenant="acme"))
    assert (token.issuer, token.subject, token.scopes) == ("https://i/", "test-user", {"a", "b"})
    assert token.claims["tenant"] == "acme"
    assert "aud" not in jwt_claims(factory(aud=None))
    expired = factory.expired()
    assert jwt_claims(expired)["exp"] < jwt_claims(factory())["iat"] - 3000
    assert factory.bearer("t") == {"Authorization": "Bearer t"}
    assert factory.settings(LEEWAY=5)["LEEWAY"] == 5


def jwt_claims(token: str) -> dict[str, object]:
    import jwt  # noqa: PLC0415

    claims: dict[str, object] = jwt.decode(token, options={"verify_signature": False})
    return claims
