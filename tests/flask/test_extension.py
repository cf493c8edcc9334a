"""``JWTGuard``: app factory, one configuration per app, settings from ``app.config``."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Blueprint, Flask

from jwtguard import ConfigurationError, GuardConfig, TokenExpired, require_scopes
from jwtguard.testing import parse_challenge
from jwtguard_flask import JWTGuard, JWTGuardState, current_token, get_state, jwt_required
from tests.answers import check_error_answer
from tests.contract import Minter, Scenario, bearer
from tests.flask.conftest import flask_settings, whoami


def make_app(config: dict[str, Any], name: str = "app") -> Flask:
    app = Flask(name)
    app.config.update(config)
    app.add_url_rule("/me", "me", jwt_required(whoami))
    return app


def realm_of(app: Flask) -> str:
    response = app.test_client().get("/me")
    assert response.status_code == 401
    return parse_challenge(response.headers["WWW-Authenticate"])[1]["realm"]


def test_factory_pattern_keeps_one_guard_per_app(settings: dict[str, Any]) -> None:
    guard = JWTGuard()
    first = make_app(flask_settings({**settings, "REALM": "first"}), "first")
    second = make_app(flask_settings({**settings, "REALM": "second"}), "second")
    guard.init_app(first)
    guard.init_app(second)
    state = first.extensions["jwtguard"]
    assert isinstance(state, JWTGuardState)
    assert state.extension is guard
    assert get_state(first) is state
    assert get_state(second).guard is not state.guard
    assert (realm_of(first), realm_of(second)) == ("first", "second")


def test_double_registration_is_refused(settings: dict[str, Any]) -> None:
    app = make_app(flask_settings(settings))
    guard = JWTGuard(app)
    with pytest.raises(RuntimeError, match="already registered on the Flask app 'app'"):
        guard.init_app(app)
    with pytest.raises(RuntimeError, match="already registered"):
        JWTGuard(app)


def test_using_jwtguard_without_init_app_says_so(settings: dict[str, Any]) -> None:
    app = make_app(flask_settings(settings))
    blueprint = Blueprint("api", __name__)
    JWTGuard().protect(blueprint)
    blueprint.add_url_rule("/bp", "bp", whoami)
    app.register_blueprint(blueprint)
    app.testing = True
    client = app.test_client()
    for path in ("/me", "/bp"):
        with pytest.raises(RuntimeError, match=r"did you call JWTGuard\(app\) or guard.init_app"):
            client.get(path)
    with pytest.raises(RuntimeError, match="not set up on the Flask app 'app'"):
        get_state(app)


def test_settings_from_jwtguard_keys(settings: dict[str, Any]) -> None:
    app = make_app(flask_settings(settings))
    JWTGuard(app)
    config = get_state(app).guard.config
    assert (config.issuer, config.audience, config.realm) == (
        "https://idp.example.com/",
        "api://notes",
        "notes",
    )
    assert config.algorithms == ("RS256", "ES256")


def test_settings_from_a_jwtguard_dict_with_keys_winning(settings: dict[str, Any]) -> None:
    app = make_app({"JWTGUARD": {**settings, "REALM": "from-dict"}})
    app.config["JWTGUARD_LEEWAY"] = "5"  # strings are parsed, as from the environment
    JWTGuard(app)
    config = get_state(app).guard.config
    assert (config.realm, config.leeway, config.issuer) == (
        "from-dict",
        5.0,
        "https://idp.example.com/",
    )
    overridden = make_app({"JWTGUARD": {**settings, "REALM": "a"}, "JWTGUARD_REALM": "b"})
    JWTGuard(overridden)
    assert realm_of(overridden) == "b"


def test_a_ready_guard_config(settings: dict[str, Any], minter: Minter) -> None:
    config = GuardConfig.from_mapping(settings)
    app = make_app({"JWTGUARD": config, "JWTGUARD_PROTECT_APP": True})
    JWTGuard(app)
    assert get_state(app).guard.config is config
    assert app.test_client().get("/me", headers=bearer(minter.token())).status_code == 200


def test_a_ready_guard_config_refuses_more_settings(settings: dict[str, Any]) -> None:
    app = make_app({"JWTGUARD": GuardConfig.from_mapping(settings), "JWTGUARD_LEEWAY": 0})
    with pytest.raises(
        ConfigurationError, match="GuardConfig, so JWTGUARD_LEEWAY would be ignored"
    ):
        JWTGuard(app)


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"JWTGUARD_ISUER": "x"}, "ISUER: unknown setting (did you mean ISSUER?)"),
        ({"JWTGUARD": {"AUDIENCES": "x"}}, "AUDIENCES: unknown setting (did you mean AUDIENCE?)"),
        ({"JWTGUARD_PROTECT_APP": "yes"}, "PROTECT_APP must be True or False, not 'yes'"),
        ({"JWTGUARD": {"PROTECT_APP": 1}}, "PROTECT_APP must be True or False, not 1"),
        ({"JWTGUARD": ["ISSUER"]}, "JWTGUARD must be a dict or a GuardConfig, not list"),
        (
            {"JWTGUARD_EXEMPT_PATHS": ["/public/"]},
            "EXEMPT_PATHS: '/public/' ends with '/', but each pattern must match the whole "
            "path: write '/public/.*' for everything under it",
        ),
    ],
)
def test_bad_settings_are_refused(
    settings: dict[str, Any], config: dict[str, Any], problem: str
) -> None:
    app = make_app({**flask_settings(settings), **config})
    with pytest.raises(ConfigurationError) as caught:
        JWTGuard(app)
    assert caught.value.problems == (problem,)
    assert "jwtguard" not in app.extensions


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigurationError) as caught:
        JWTGuard(make_app({"JWTGUARD_PROTECT_APP": "1"}))
    problems = caught.value.problems
    assert problems[0] == "PROTECT_APP must be True or False, not '1'"
    assert any(problem.startswith("ALGORITHMS is required") for problem in problems)
    assert any(problem.startswith("no key source") for problem in problems)


def test_settings_are_read_once(settings: dict[str, Any]) -> None:
    app = make_app(flask_settings(settings))
    JWTGuard(app)
    app.config["JWTGUARD_REALM"] = "changed"
    assert realm_of(app) == "notes"


def test_protect_app_protects_every_route(settings: dict[str, Any], minter: Minter) -> None:
    app = Flask("whole")
    app.config.update(flask_settings(settings), JWTGUARD_PROTECT_APP=True)
    app.add_url_rule("/open", "open", whoami)
    JWTGuard(app)
    client = app.test_client()
    assert client.get("/open").status_code == 401
    assert client.get("/missing").status_code == 401, "unknown URLs reveal nothing without a token"
    assert client.get("/open", headers=bearer(minter.token())).status_code == 200
    assert client.get("/missing", headers=bearer(minter.token())).status_code == 404


def test_errors_raised_in_a_view_render_the_same(settings: dict[str, Any], minter: Minter) -> None:
    app = Flask("manual")
    app.config.update(flask_settings(settings))
    JWTGuard(app)

    @app.get("/expired")
    def expired() -> None:
        raise TokenExpired

    @app.get("/admin")
    @jwt_required
    def admin() -> dict[str, Any]:
        require_scopes(current_token, ["notes:admin"])
        return whoami()

    client = app.test_client()
    response = client.get("/expired")
    scenario = Scenario("raised in a view", 401, "token_expired")
    check_error_answer(scenario, response.status_code, response.headers.get, response.data)
    response = client.get("/admin", headers=bearer(minter.token()))
    scenario = Scenario(
        "scope checked in a view",
        403,
        "insufficient_scope",
        extra_challenge={"scope": "notes:admin"},
    )
    check_error_answer(scenario, response.status_code, response.headers.get, response.data)
