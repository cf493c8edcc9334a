"""Flask (blinker) signals for jwtguard's decisions (design §7), sent with the app as sender.

``token_validated(app, token)``
    the current request's bearer token is valid; sent once per request, before scopes.
``token_rejected(app, error, record)``
    the current request is refused (401, 403, 400 or 503): ``error`` is the
    :class:`~jwtguard.AuthError`, ``record`` the fields of its ``jwtguard.audit`` log record
    (never the token).

The request is Flask's ``request``. A receiver that raises is logged on ``jwtguard`` and does
not change the answer::

    from jwtguard_flask.signals import token_rejected

    @token_rejected.connect_via(app)
    def count_rejection(sender, error, record, **extra):
        metrics.increment("auth.rejected", tags={"code": error.code})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blinker import Namespace
from flask import current_app

from jwtguard import AccessToken, AuthError, RequestView

_signals = Namespace()
token_validated = _signals.signal("jwtguard-token-validated")
token_rejected = _signals.signal("jwtguard-token-rejected")


class SignalListener:
    """A :class:`~jwtguard.adapters.GuardListener` that sends the two signals above."""

    def token_validated(self, request: RequestView, token: AccessToken) -> None:
        if token_validated.receivers:
            token_validated.send(current_app._get_current_object(), token=token)  # type: ignore[attr-defined]

    def token_rejected(
        self, request: RequestView, error: AuthError, record: Mapping[str, Any]
    ) -> None:
        if token_rejected.receivers:
            token_rejected.send(current_app._get_current_object(), error=error, record=record)  # type: ignore[attr-defined]
