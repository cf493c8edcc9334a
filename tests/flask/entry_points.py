"""A feature's table through every way a Flask view is protected: apps serving a table's views
(``@jwt_required`` on sync and async views, ``JWTGuard.protect`` on a blueprint and on the whole
app, ``verify_request``), and the check of a contract scenario's answer through one of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue

from jwtguard_flask import JWTGuard, current_token, jwt_required, verify_request
from tests.answers import check_error_answer
from tests.contract import Scenario
from tests.flask.conftest import flask_settings
from tests.roles import View, granted

#: What a refusal told its client of the values the feature's settings hold (there should be none).
Reveals = Callable[[str, str], list[str]]


def whoami() -> ResponseReturnValue:
    return granted(current_token)


def _view(mode: str, view: View) -> Callable[[], Any]:
    kwargs: dict[str, Any] = view.kwargs()
    if mode == "async":

        async def async_view() -> ResponseReturnValue:
            return whoami()

        return jwt_required(**kwargs)(async_view)
    if mode == "manual":

        def manual_view() -> ResponseReturnValue:
            assert verify_request(**kwargs) is not None
            return whoami()

        return manual_view
    return jwt_required(**kwargs)(whoami)


def build(
    prefix: str,
    settings: dict[str, Any],
    views: Mapping[str, View],
    mode: str,
    only: str | None = None,
) -> Flask:
    """An app serving ``/<prefix>/<view>`` for every view of ``views`` (``only``: that one, the
    whole app protected), protected by ``mode``."""
    app = Flask(f"{prefix}_{mode}")
    app.config.update(flask_settings(settings))
    guard = JWTGuard(app)
    if mode == "app":
        assert only is not None
        guard.protect(app, **views[only].kwargs())
        app.add_url_rule(f"/{prefix}/{only}", only, whoami)
        return app
    for name, view in views.items():
        if mode == "blueprint":
            blueprint = Blueprint(name, __name__)
            guard.protect(blueprint, **view.kwargs())
            blueprint.add_url_rule(f"/{prefix}/{name}", name, whoami)
            app.register_blueprint(blueprint)
        else:
            app.add_url_rule(f"/{prefix}/{name}", name, _view(mode, view))
    return app


def check_scenario(response: Any, scenario: Scenario, reveals: Reveals) -> None:
    """The exact answer to ``scenario`` from a contract app; a refusal reveals none of the
    settings' values."""
    if scenario.code is None:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json() == {"sub": "alice", "scopes": ["notes:read"]}
        return
    check_error_answer(scenario, response.status_code, response.headers.get, response.data)
    challenge = response.headers["WWW-Authenticate"]
    assert reveals(response.get_data(as_text=True), challenge) == []
