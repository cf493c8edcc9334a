"""Listeners: how adapters learn of each validated and each rejected request (design §7).

The Django and Flask adapters register one listener on their :class:`~jwtguard.Guard` that
re-sends the events as framework signals. A listener that raises is logged and ignored: a
broken receiver never turns a decision into a 500, and never lets a refused request through.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

from .errors import AuthError
from .request import RequestView
from .token import AccessToken

logger = logging.getLogger("jwtguard")


class GuardListener(Protocol):
    """Receives a guard's events (both methods are called synchronously, in the request)."""

    def token_validated(self, request: RequestView, token: AccessToken) -> None:
        """``request`` carried ``token``, and it is valid (scopes are checked later)."""

    def token_rejected(
        self, request: RequestView, error: AuthError, record: Mapping[str, Any]
    ) -> None:
        """``request`` is answered with ``error``; ``record`` holds its audit fields."""


class Listeners:
    """The listeners of one guard, each called in turn, none able to break the request."""

    def __init__(self) -> None:
        self._listeners: list[GuardListener] = []

    def add(self, listener: GuardListener) -> None:
        self._listeners.append(listener)

    def __bool__(self) -> bool:
        return bool(self._listeners)

    def validated(self, request: RequestView, token: AccessToken) -> None:
        for listener in self._listeners:
            try:
                listener.token_validated(request, token)
            except Exception:
                logger.exception("a token_validated listener failed (%r)", listener)

    def rejected(self, request: RequestView, error: AuthError, record: Mapping[str, Any]) -> None:
        for listener in self._listeners:
            try:
                listener.token_rejected(request, error, record)
            except Exception:
                logger.exception("a token_rejected listener failed (%r)", listener)
