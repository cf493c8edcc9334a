"""Cross-site request forgery: the one rule for tokens that a browser sends by itself.

A token in the ``Authorization`` header (or any header, query or form field) is only sent when
the client's own code puts it there, so a request that carries it is not forgeable by another
site. A token in a cookie is sent by the browser with every request to the site, so an unsafe
request (anything but ``GET``, ``HEAD``, ``OPTIONS``, ``TRACE``) authenticated by that cookie must
also pass a CSRF check, or any page the user visits could act in their name.

The check is the framework's own where it has one: a request view may provide
``csrf_failure() -> str | None`` (the Django adapter runs Django's ``CsrfViewMiddleware`` logic,
as DRF's ``SessionAuthentication`` does). Elsewhere (Flask, :class:`~jwtguard.SimpleRequest`)
jwtguard checks a double-submit token: the ``CSRF_HEADER_NAME`` header must equal the
``CSRF_COOKIE_NAME`` cookie, which the application sets beside the token cookie and its
JavaScript copies into the header (a cross-site page can neither read the cookie nor set the
header).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING

from .errors import CsrfFailed
from .extract import cookie_values

if TYPE_CHECKING:
    from .config import GuardConfig
    from .request import RequestView

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
"""Methods that must not change state (RFC 9110 §9.2.1), so need no CSRF check."""


def check_csrf(request: RequestView, location: str | None, config: GuardConfig) -> None:
    """Raise :class:`~jwtguard.errors.CsrfFailed` if ``request`` is an unsafe request whose
    token came from a cookie (``location``) and fails the CSRF check."""
    if location != "cookie" or request.method.upper() in SAFE_METHODS:
        return
    framework_check: Callable[[], str | None] | None = getattr(request, "csrf_failure", None)
    reason = (
        framework_check() if framework_check is not None else double_submit_failure(request, config)
    )
    if reason is not None:
        raise CsrfFailed(detail=f"the token came in a cookie and the CSRF check failed: {reason}")


def double_submit_failure(request: RequestView, config: GuardConfig) -> str | None:
    """Why ``request`` fails the double-submit check, or ``None`` when it passes."""
    header_name, cookie_name = config.csrf_header_name, config.csrf_cookie_name
    cookies = [value for value in cookie_values(request, cookie_name) if value]
    if not cookies:
        return f"no {cookie_name} cookie"
    if len(cookies) > 1:
        return f"the {cookie_name} cookie was sent more than once"
    sent = request.header(header_name)
    if not sent:
        return f"no {header_name} header"
    if not hmac.compare_digest(
        sent.encode("utf-8", "surrogateescape"), cookies[0].encode("utf-8", "surrogateescape")
    ):
        return f"the {header_name} header does not match the {cookie_name} cookie"
    return None
