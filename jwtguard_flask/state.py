"""What :class:`~jwtguard_flask.JWTGuard` keeps per app, in ``app.extensions["jwtguard"]``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from flask import Blueprint, Flask, current_app

from jwtguard import Guard, Revocations

EXTENSION_KEY = "jwtguard"


class Extension(Protocol):
    """What the state knows of the :class:`~jwtguard_flask.JWTGuard` that made it: declared
    here, below the extension, which builds on this module."""

    def init_app(self, app: Flask) -> None: ...

    @property
    def revocations(self) -> Revocations: ...

    def protect(
        self,
        target: Flask | Blueprint,
        *,
        scopes: str | Iterable[str] = (),
        any_of: str | Iterable[str] = (),
        roles: str | Iterable[str] = (),
        any_roles: str | Iterable[str] = (),
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class JWTGuardState:
    """One app's configured core :class:`~jwtguard.Guard` and the extension that made it."""

    extension: Extension
    guard: Guard


def get_state(app: Flask | None = None) -> JWTGuardState:
    """The jwtguard state of ``app`` (default: the current app).

    Raises ``RuntimeError`` when the app was never passed to ``JWTGuard(app)`` or ``init_app``.
    """
    app = current_app if app is None else app
    state = app.extensions.get(EXTENSION_KEY)
    if not isinstance(state, JWTGuardState):
        raise RuntimeError(
            f"jwtguard is not set up on the Flask app {app.name!r}: did you call "
            "JWTGuard(app) or guard.init_app(app)?"
        )
    return state
