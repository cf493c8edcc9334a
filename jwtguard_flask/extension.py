"""``JWTGuard``: the Flask extension (application-factory pattern, state in ``app.extensions``)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Flask, Response, current_app, request

from jwtguard import AuthError, Guard, Revocations, TokenStore, Validator
from jwtguard.adapters import KeySource, Requirement, Route

from .cli import jwtguard_cli
from .decorators import is_exempt
from .globals import request_state
from .request import FlaskRequestView
from .settings import read_settings
from .signals import SignalListener
from .state import EXTENSION_KEY, JWTGuardState, get_state
from .verify import decide

PROTECTION_ATTRIBUTE = "jwtguard_protection"
"""Marks the ``before_request`` function of :meth:`JWTGuard.protect` with its
:class:`~jwtguard.openapi.ScopeCheck` (for OpenAPI documents: :mod:`jwtguard_flask.openapi`)."""


class JWTGuard:
    """Protects a Flask app with jwtguard.

    ``JWTGuard(app)``, or ``guard = JWTGuard()`` then ``guard.init_app(app)`` in an app factory.
    The settings are read once per app from ``app.config`` (see :mod:`jwtguard_flask.settings`);
    ``key_source`` replaces the configured keys with a custom
    :class:`~jwtguard.keys.KeySource`, ``store`` the configured token store (``REDIS_URL``...).
    Every :class:`~jwtguard.AuthError` raised while handling a request, by a decorator, by
    :meth:`protect` or by the view itself, is rendered by the core. ``flask jwtguard revoke``
    revokes tokens (:mod:`jwtguard_flask.cli`).
    """

    def __init__(
        self,
        app: Flask | None = None,
        *,
        key_source: KeySource | None = None,
        store: TokenStore | None = None,
    ) -> None:
        self.key_source = key_source
        self.store = store
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read ``app``'s settings, keep its guard in ``app.extensions``, register the handler."""
        if EXTENSION_KEY in app.extensions:
            raise RuntimeError(
                f"A JWTGuard is already registered on the Flask app {app.name!r}; "
                "use that one instead of creating another."
            )
        config, options = read_settings(app.config)
        validator = Validator(config, key_source=self.key_source, store=self.store)
        guard = Guard(config, validator=validator)
        guard.add_listener(SignalListener())
        app.extensions[EXTENSION_KEY] = JWTGuardState(self, guard)
        app.register_error_handler(AuthError, render_auth_error)
        app.cli.add_command(jwtguard_cli)
        if options.protect_app:
            self.protect(app)

    @property
    def revocations(self) -> Revocations:
        """Revoke tokens in the current app's store (``REVOCATION`` must be on), e.g. in a
        logout view: ``guard.revocations.revoke(current_token)``."""
        return get_state().guard.revocations

    def protect(
        self,
        target: Flask | Blueprint,
        *,
        scopes: str | Iterable[str] = (),
        any_of: str | Iterable[str] = (),
        roles: str | Iterable[str] = (),
        any_roles: str | Iterable[str] = (),
    ) -> None:
        """Require a token (with ``scopes`` / ``any_of``, ``roles`` / ``any_roles``, as
        :func:`~jwtguard_flask.jwt_required` takes them) for every view of an app or blueprint.

        Requests to ``EXEMPT_PATHS``, to views marked :func:`~jwtguard_flask.jwt_exempt`, and
        ``OPTIONS`` requests that Flask answers itself (routes that do not list ``OPTIONS``: no
        view runs) may come without a token, never with a bad one; the core decides
        (:meth:`~jwtguard.Guard.requires_token`). A route that handles ``OPTIONS`` itself is
        authenticated like any other. A ``@jwt_required`` on a view adds its own scopes and
        roles on top (so an optional view under protection needs ``@jwt_exempt`` as well).
        """
        requirement = Requirement.of(scopes, any_of, roles=roles, any_roles=any_roles)

        def require_token() -> None:
            rule = request.url_rule
            route = Route(
                exempt=is_exempt(current_app.view_functions.get(request.endpoint or "")),
                answered_without_view=bool(getattr(rule, "provide_automatic_options", False)),
            )
            decide(requirement, route=route)

        require_token.__dict__[PROTECTION_ATTRIBUTE] = requirement.checks[0]
        target.before_request(require_token)


def render_auth_error(error: AuthError) -> Response:
    """The core's answer to ``error``, as a Flask response: status, headers and body unchanged
    (a refusal decided by the core was audited then; any other error is audited now)."""
    answer = get_state().guard.reject(error, FlaskRequestView(request), state=request_state())
    return current_app.response_class(answer.body, status=answer.status, headers=answer.headers)
