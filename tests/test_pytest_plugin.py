"""jwtguard's pytest plugin, used the way users use it: small sample suites for a Flask app and
a Django project, run by ``pytester`` in their own directories."""

from __future__ import annotations

import pytest

from jwtguard import Validator
from jwtguard.testing import TokenFactory
from tests.test_readme import readme_blocks

pytest_plugins = ["pytester"]

#: The sample suites run without this project's other plugins (Flask samples need no Django).
FLASK_RUN = ("-p", "no:cacheprovider", "-p", "no:django", "-p", "no:asyncio")

FLASK_APP = """
from flask import Flask
from jwtguard_flask import JWTGuard, current_token, jwt_required


def create_app(settings):
    app = Flask("notes")
    app.config["JWTGUARD"] = settings
    JWTGuard(app)

    @app.get("/notes")
    @jwt_required(scopes=["notes:read"])
    def notes():
        return {"sub": current_token.subject}

    return app
"""

FLASK_TESTS = readme_blocks()["pytest-flask"]

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

DJANGO_TESTS = readme_blocks()["pytest-django"]


def test_flask_sample_suite(pytester: pytest.Pytester) -> None:
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
        test_core="""
import pytest
from jwtguard import AuthError, Validator


def test_valid(jwtguard_config, make_token):
    token = Validator(jwtguard_config).validate(make_token(sub="ann", scope="a b"))
    assert (token.subject, token.scopes) == ("ann", {"a", "b"})


def test_wrong_audience(jwtguard_config, make_token):
    with pytest.raises(AuthError) as refused:
        Validator(jwtguard_config).validate(make_token(aud="api://elsewhere"))
    assert refused.value.code == "audience_invalid"


def test_config_matches_the_settings(jwtguard_config, jwtguard_settings, jwt_jwks):
    assert jwtguard_config.issuers == (jwtguard_settings["ISSUER"],)
    assert jwtguard_config.jwks == jwt_jwks
"""
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
    response = client.get("/notes", headers=stranger.bearer(stranger(scope="notes:read")))
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
def jwt_issuer():
    return "https://login.example.com/"

@pytest.fixture
def jwt_algorithm():
    return "EdDSA"
"""
    )
    pytester.makepyfile(
        test_override="""
import jwt

def test_settings_follow(jwtguard_settings, make_token):
    assert jwtguard_settings["ISSUER"] == "https://login.example.com/"
    assert jwtguard_settings["ALGORITHMS"] == ["EdDSA"]
    header = jwt.get_unverified_header(make_token())
    assert header["alg"] == "EdDSA"
"""
    )
    pytester.runpytest(*FLASK_RUN).assert_outcomes(passed=1)


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
