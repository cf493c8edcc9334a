"""Django's own CSRF check, for tokens sent in a cookie (see :mod:`jwtguard.csrf`).

A token in a cookie is sent by the browser by itself, so an unsafe request authenticated by it
must pass the same check as a session: Django's ``CsrfViewMiddleware`` logic (CSRF cookie and
``X-CSRFToken`` header or form field, ``Origin``/``Referer`` checks), run here whether or not
that middleware is installed, as DRF's ``SessionAuthentication`` does for sessions.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware


class _ReasonOnly(CsrfViewMiddleware):
    """``CsrfViewMiddleware`` answering with the reason of a refusal instead of a 403 page."""

    def _reject(self, request: HttpRequest, reason: str) -> str:
        return reason


def _no_response(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    raise AssertionError("the CSRF check never calls the next layer")


def csrf_failure(request: HttpRequest) -> str | None:
    """Why ``request`` fails Django's CSRF check, or ``None`` when it passes."""
    check = _ReasonOnly(_no_response)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})  # type: ignore[arg-type]
    return reason if isinstance(reason, str) else None
