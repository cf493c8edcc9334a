"""Authenticating one Django request, once, for the middleware, the decorators and DRF.

The first of them to ask validates the token and keeps the outcome on the request; the others
reuse it. :func:`get_token` is the typed way to read the result.

The middleware may also leave a refusal it decided to the view's DRF authentication
(:func:`leave_refusal`), so that DRF answers it as it would without the middleware;
:func:`raise_left_refusal` raises it there, and :func:`unanswered_refusal` tells the middleware
if nothing did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse

from jwtguard import AccessToken, AuthError, Guard
from jwtguard.adapters import SAFE_METHODS, csrf_settled, extract_token, refuse_if

from .conf import GuardSettings
from .csrf import csrf_failure
from .request import DjangoRequest
from .users import aresolve_user, resolve_user

_STATE = "_jwtguard"
CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"


@dataclass(slots=True)
class _Outcome:
    token: AccessToken | None
    error: AuthError | None = None
    user: Any = None
    left: AuthError | None = None  # the middleware's refusal, left to DRF to raise
    raised: bool = False  # whether DRF raised it


def get_token(request: HttpRequest) -> AccessToken | None:
    """The request's validated access token (Django's or DRF's request), or ``None`` if it
    carried none or nothing checked it (no middleware, decorator or DRF authentication ran)."""
    outcome = _outcome(unwrap(request))
    return outcome.token if outcome is not None else None


def unwrap(request: HttpRequest) -> HttpRequest:
    """Django's ``HttpRequest``, also when given DRF's ``Request`` (which wraps one)."""
    inner = getattr(request, "_request", None)
    return inner if isinstance(inner, HttpRequest) else request


def authenticate(request: HttpRequest, guard: Guard) -> AccessToken | None:
    """The token, validated on the first call; ``None`` if the request carries none.

    Raises the :class:`~jwtguard.AuthError` of a present but bad token (every call).
    """
    outcome = _outcome(request)
    if outcome is None:
        try:
            token = guard.authenticate(DjangoRequest(request), required=False)
        except AuthError as error:
            outcome = _remember(request, _Outcome(None, error))
        else:
            outcome = _remember(request, _Outcome(token))
    return _result(outcome)


async def aauthenticate(request: HttpRequest, guard: Guard) -> AccessToken | None:
    """:func:`authenticate` for async code: fetching remote keys never blocks the event loop."""
    outcome = _outcome(request)
    if outcome is None:
        try:
            token = await guard.authenticate_async(DjangoRequest(request), required=False)
        except AuthError as error:
            outcome = _remember(request, _Outcome(None, error))
        else:
            outcome = _remember(request, _Outcome(token))
    return _result(outcome)


def require_token(request: HttpRequest, guard: Guard) -> AccessToken:
    """Like :func:`authenticate`, but a request without a token raises :func:`missing_token`."""
    token = authenticate(request, guard)
    if token is None:
        raise missing_token(request, guard)
    return token


async def arequire_token(request: HttpRequest, guard: Guard) -> AccessToken:
    """:func:`require_token` for async code."""
    await aauthenticate(request, guard)
    return require_token(request, guard)  # decided by now: reuses the outcome


def missing_token(request: HttpRequest, guard: Guard) -> AuthError:
    """Why a request has no bearer token: ``token_missing``, or ``unsupported_scheme`` when its
    ``Authorization`` uses another scheme (``Basic``, ``SSWS``...)."""
    return extract_token(DjangoRequest(request), guard.config).missing_error()


def leave_refusal(request: HttpRequest, error: AuthError) -> None:
    """Record the middleware's refusal ``error`` for the view's DRF authentication to raise."""
    outcome = _outcome(request) or _remember(request, _Outcome(None))
    outcome.left = error


def raise_left_refusal(request: HttpRequest) -> None:
    """Raise the refusal the middleware left to this request's view, if any (every call)."""
    outcome = _outcome(request)
    if outcome is not None and outcome.left is not None:
        outcome.raised = True
        raise outcome.left


def unanswered_refusal(request: HttpRequest) -> AuthError | None:
    """The refusal the middleware left to the view that the view never raised, if any."""
    outcome = _outcome(request)
    if outcome is None or outcome.raised:
        return None
    return outcome.left


def attach_user(request: HttpRequest, token: AccessToken, settings: GuardSettings) -> Any:
    """Resolve the token's user once and set ``request.user`` (and ``request.auser``)."""
    _settle_csrf(request, token)
    outcome = _outcome(request)
    if outcome is not None and outcome.user is not None:
        return _set_user(request, outcome.user)
    return _set_user(request, resolve_user(token, settings))


async def aattach_user(request: HttpRequest, token: AccessToken, settings: GuardSettings) -> Any:
    """:func:`attach_user` for async code (a ``USER_RESOLVER`` runs in a thread)."""
    _settle_csrf(request, token)
    outcome = _outcome(request)
    if outcome is not None and outcome.user is not None:
        return _set_user(request, outcome.user)
    return _set_user(request, await aresolve_user(token, settings))


def check_view_csrf(request: HttpRequest, token: AccessToken) -> None:
    """For a ``csrf_exempt`` view (``@jwt_required``): the check ``CsrfViewMiddleware``, when
    installed, would have made of a request jwtguard does not vouch for (a query or form token
    on an unsafe method, :func:`jwtguard.adapters.csrf_settled`). Raises ``CsrfFailed``."""
    if _framework_csrf_applies(request, token):
        refuse_if(csrf_failure(request), token.location)


async def acheck_view_csrf(request: HttpRequest, token: AccessToken) -> None:
    """:func:`check_view_csrf` for async views (the check may load the session)."""
    if _framework_csrf_applies(request, token):
        refuse_if(await sync_to_async(csrf_failure)(request), token.location)


def _framework_csrf_applies(request: HttpRequest, token: AccessToken) -> bool:
    return (
        not csrf_settled(token.location)
        and (request.method or "GET").upper() not in SAFE_METHODS
        and CSRF_MIDDLEWARE in django_settings.MIDDLEWARE
    )


def _settle_csrf(request: HttpRequest, token: AccessToken) -> None:
    """Let ``CsrfViewMiddleware`` pass a request whose CSRF question jwtguard has settled: a
    header token cannot come from another site's page, and a cookie token on an unsafe method
    has passed Django's check already (:mod:`jwtguard.csrf`). Query and form tokens have not."""
    if csrf_settled(token.location):
        request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]


def reject(request: HttpRequest, error: AuthError, guard: Guard) -> HttpResponse:
    """The core's answer to ``error`` as a Django response, byte for byte (audited)."""
    answer = guard.reject(error, DjangoRequest(request))
    return HttpResponse(answer.body, status=answer.status, headers=dict(answer.headers))


def _outcome(request: HttpRequest) -> _Outcome | None:
    outcome = getattr(request, _STATE, None)
    return outcome if isinstance(outcome, _Outcome) else None


def _remember(request: HttpRequest, outcome: _Outcome) -> _Outcome:
    setattr(request, _STATE, outcome)
    return outcome


def _result(outcome: _Outcome) -> AccessToken | None:
    if outcome.error is not None:
        raise outcome.error
    return outcome.token


def _set_user(request: HttpRequest, user: Any) -> Any:
    outcome = _outcome(request)
    if outcome is not None:
        outcome.user = user

    async def auser() -> Any:
        return user

    request.user = user
    request.auser = auser
    return user
