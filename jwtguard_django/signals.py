"""Django signals for jwtguard's decisions (design §7), sent with ``sender=Guard``.

``token_validated(sender, request, token)``
    a request's bearer token is valid (``token``: the :class:`~jwtguard.AccessToken`); sent
    once per request, before scopes are checked.
``token_rejected(sender, request, error, record)``
    a request is refused (401, 403, 400 or 503): ``error`` is the :class:`~jwtguard.AuthError`,
    ``record`` the fields of its ``jwtguard.audit`` log record (never the token).

``request`` is the ``HttpRequest``. A receiver that raises is logged on ``jwtguard`` and does
not change the answer::

    from django.dispatch import receiver
    from jwtguard_django.signals import token_rejected

    @receiver(token_rejected)
    def count_rejection(sender, request, error, record, **kwargs):
        metrics.increment("auth.rejected", tags={"code": error.code})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.dispatch import Signal
from django.http import HttpRequest

from jwtguard import AccessToken, AuthError, Guard, RequestView

from .request import DjangoRequest

token_validated = Signal()
token_rejected = Signal()


class SignalListener:
    """A :class:`~jwtguard.adapters.GuardListener` that sends the two signals above."""

    def token_validated(self, request: RequestView, token: AccessToken) -> None:
        if token_validated.has_listeners(Guard):
            token_validated.send(Guard, request=_http(request), token=token)

    def token_rejected(
        self, request: RequestView, error: AuthError, record: Mapping[str, Any]
    ) -> None:
        if token_rejected.has_listeners(Guard):
            token_rejected.send(Guard, request=_http(request), error=error, record=record)


def _http(request: RequestView) -> HttpRequest | None:
    return request.http_request if isinstance(request, DjangoRequest) else None
