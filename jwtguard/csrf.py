"""Cross-site request forgery: which tokens need a CSRF check, and the check itself.

A token in a header (``Authorization``, or a configured ``HEADER_NAME``) is only sent when the
client's own code puts it there: a page on another site cannot make a browser send it, so a
request that carries it is not forgeable. A token in a cookie is sent by the browser with every
request to the site, so an unsafe request (anything but ``GET``, ``HEAD``, ``OPTIONS``,
``TRACE``) authenticated by that cookie must pass a CSRF check, or any page the user visits could
act in their name: :func:`check_csrf`. A token in the query string or a form field can be put
there by another site's page (its author's own token, "login CSRF"): jwtguard does not vouch for
such requests (:func:`csrf_settled`), so a framework's own CSRF protection keeps applying to them.

The check is the framework's own where it has one: a request view may provide
``csrf_failure() -> str | None`` (and ``acsrf_failure()``, awaited in async code); the Django
adapter runs Django's ``CsrfViewMiddleware`` logic, as DRF's ``SessionAuthentication`` does.
Elsewhere (Flask, :class:`~jwtguard.SimpleRequest`) jwtguard checks a double-submit token: the
``CSRF_HEADER_NAME`` header must equal the ``CSRF_COOKIE_NAME`` cookie, which the application
sets beside the token cookie and its JavaScript copies into the header. A cross-site page can
neither read that cookie nor set the header; but a sibling subdomain can set cookies for the
parent domain, so serve the cookies with the ``__Host-`` prefix (``Secure``, ``Path=/``, no
``Domain``) and ``SameSite=Lax`` or ``Strict``, and never allow credentialed CORS from origins
you do not control.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .errors import CsrfFailed
from .extract import cookie_values, describe_location

if TYPE_CHECKING:
    from .config import GuardConfig
    from .request import RequestView

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
"""Methods that must not change state (RFC 9110 §9.2.1), so need no CSRF check."""


def csrf_settled(location: str | None) -> bool:
    """Whether jwtguard has settled CSRF for a request authenticated by a token from
    ``location``: a header token cannot be sent by another site's page, and a cookie token on an
    unsafe method has passed :func:`check_csrf`. A query or form token has not: another site's
    page may have put it there."""
    return location not in ("query", "form")


def check_csrf(
    request: RequestView, location: str | None, config: GuardConfig, *, unvouched: bool = False
) -> None:
    """Raise :class:`~jwtguard.errors.CsrfFailed` if ``request`` is an unsafe request whose
    token came from a cookie (``location``) and fails the CSRF check.

    ``unvouched``: check a query or form token instead, for a view whose framework CSRF
    protection was switched off by the adapter (Django's ``@jwt_required`` is ``csrf_exempt``).
    """
    if needs_csrf_check(request.method, location, unvouched=unvouched):
        framework_check: Callable[[], str | None] | None = getattr(request, "csrf_failure", None)
        reason = (
            framework_check()
            if framework_check is not None
            else double_submit_failure(request, config)
        )
        refuse_if(reason, location)


async def acheck_csrf(
    request: RequestView, location: str | None, config: GuardConfig, *, unvouched: bool = False
) -> None:
    """As :func:`check_csrf`; a framework check that may block (Django's may load the session)
    is awaited through the view's ``acsrf_failure``."""
    if needs_csrf_check(request.method, location, unvouched=unvouched):
        framework_check: Callable[[], Awaitable[str | None]] | None = getattr(
            request, "acsrf_failure", None
        )
        if framework_check is None:
            check_csrf(request, location, config, unvouched=unvouched)
        else:
            refuse_if(await framework_check(), location)


def needs_csrf_check(method: str, location: str | None, *, unvouched: bool = False) -> bool:
    """Whether a ``method`` request whose token came from ``location`` must pass the CSRF check:
    an unsafe request authenticated by a cookie (``unvouched``: by a query or form token)."""
    checked = not csrf_settled(location) if unvouched else location == "cookie"
    return checked and method.upper() not in SAFE_METHODS


def refuse_if(reason: str | None, location: str | None) -> None:
    """Raise the :class:`~jwtguard.errors.CsrfFailed` of a failed check (``reason``), if any."""
    if reason is not None:
        where = describe_location(location) if location else "request"
        raise CsrfFailed(
            detail=f"the token came in the {where} and the CSRF check failed: {reason}"
        )


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
