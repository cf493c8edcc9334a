"""Scopes and roles through Flask (#14 §2): every case of :mod:`tests.roles`, in every way a
Flask view takes ``scopes=`` and ``roles=`` (``@jwt_required`` on sync and async views,
``JWTGuard.protect`` on a blueprint and on the whole app, ``verify_request``), answered exactly
as the core renders it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from flask import Blueprint, Flask

from jwtguard_flask import JWTGuard, jwt_required
from tests.contract import Minter, bearer
from tests.flask import entry_points
from tests.flask.conftest import MODES, flask_settings
from tests.flask.entry_points import whoami
from tests.roles import CASES, VIEWS, RoleCase, check_role_answer, settings_of


def build(minter: Minter, config: str, mode: str, only: str | None = None) -> Flask:
    """An app serving ``/roles/<view>`` for every view (``only``: that one, protected as a
    whole app), protected by ``mode``."""
    return entry_points.build("roles", settings_of(config, minter), VIEWS, mode, only)


@pytest.fixture(scope="module")
def apps(minter: Minter) -> Callable[..., Flask]:
    return cache(lambda config, mode, only=None: build(minter, config, mode, only))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_each_case(apps: Callable[..., Flask], minter: Minter, case: RoleCase, mode: str) -> None:
    app = apps(case.config, mode, case.view if mode == "app" else None)
    response = app.test_client().get(f"/roles/{case.view}", headers=case.headers(minter))
    check_role_answer(case, response.status_code, response.headers.get, response.data)


def test_protection_and_a_view_add_their_roles(minter: Minter) -> None:
    """``protect(roles=)`` on a blueprint, ``@jwt_required(any_roles=)`` on its view: both."""
    app = Flask("joined")
    app.config.update(flask_settings(settings_of("default", minter)))
    guard = JWTGuard(app)
    admin = Blueprint("admin", __name__)

    @admin.get("/stats")
    @jwt_required(any_roles=["auditor", "owner"])
    def stats() -> Any:
        return whoami()

    guard.protect(admin, roles="staff")
    app.register_blueprint(admin)
    client = app.test_client()

    def code(*roles: str) -> object:
        response = client.get("/stats", headers=bearer(minter.token(roles=list(roles))))
        body = response.get_json()
        return response.status_code if response.status_code == 200 else body["code"]

    assert code("auditor") == "insufficient_role"  # protection first
    assert code("staff") == "insufficient_role"
    assert code("staff", "owner") == 200
