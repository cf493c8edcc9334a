"""Flask apps that serve the contract table's endpoints in each way an app can be protected."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.typing import ResponseReturnValue

from jwtguard_flask import JWTGuard, current_token, jwt_required, verify_request
from tests.contract import SCENARIOS, SETTINGS, Minter, UnreachableKeySource

#: How a view can be protected: decorator (sync / async), blueprint, manual check, whole app.
MODES = ("decorator", "async", "blueprint", "manual", "app")
SCOPE_SETS = tuple(dict.fromkeys(scenario.scopes for scenario in SCENARIOS))

AppFactory = Callable[[str], Flask]


def route(scopes: Iterable[str]) -> str:
    """The path of the contract endpoint requiring ``scopes``."""
    return "/r/" + ("+".join(scopes) or "any")


def whoami() -> dict[str, Any]:
    return {"sub": current_token.subject, "scopes": sorted(current_token.scopes)}


def flask_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """``{"ISSUER": ...}`` as ``app.config`` keys (``JWTGUARD_ISSUER``)."""
    return {f"JWTGUARD_{key}": value for key, value in settings.items()}


def contract_app(settings: dict[str, Any], mode: str, **kwargs: Any) -> Flask:
    """An app serving ``route(scopes)`` for every scope set of the table, protected by ``mode``."""
    app = Flask(f"contract_{mode}")
    app.config.update(flask_settings(settings))
    app.config["JWTGUARD_PROTECT_APP"] = mode == "app"
    guard = JWTGuard(app, **kwargs)
    for index, scopes in enumerate(SCOPE_SETS):
        name = f"view_{index}"
        if mode == "blueprint":
            blueprint = Blueprint(f"bp_{index}", __name__)
            guard.protect(blueprint, scopes=scopes)
            blueprint.add_url_rule(route(scopes), name, whoami)
            app.register_blueprint(blueprint)
        else:
            app.add_url_rule(route(scopes), name, _view(mode, scopes))
    return app


def _view(mode: str, scopes: tuple[str, ...]) -> Callable[[], ResponseReturnValue]:
    if mode == "async":

        async def async_view() -> ResponseReturnValue:
            return whoami()

        return jwt_required(scopes=scopes)(async_view)
    if mode == "manual":

        def manual_view() -> ResponseReturnValue:
            token = verify_request(scopes=scopes)
            assert token is current_token._get_current_object()  # type: ignore[attr-defined]
            return whoami()

        return manual_view
    if mode == "app" and not scopes:
        return whoami  # PROTECT_APP alone requires the token
    return jwt_required(scopes=scopes)(whoami) if scopes else jwt_required(whoami)


@pytest.fixture(scope="session")
def settings(minter: Minter) -> dict[str, Any]:
    """The contract settings with the minter's keys."""
    return {**SETTINGS, "JWKS": minter.jwks()}


@pytest.fixture(scope="session")
def contract_apps(settings: dict[str, Any]) -> AppFactory:
    """``contract_apps(mode)``: the contract app for ``mode``, built once per session."""
    return cache(lambda mode: contract_app(settings, mode))


@pytest.fixture(scope="session")
def outage_apps(settings: dict[str, Any]) -> AppFactory:
    """``outage_apps(mode)``: the contract app for ``mode`` whose key source is unreachable."""
    return cache(lambda mode: contract_app(settings, mode, key_source=UnreachableKeySource()))
