"""Django REST framework: :class:`JWTAuthentication`, the :class:`HasScopes` and :class:`HasRoles`
permissions.

DRF renders errors itself, so a refusal travels as a :class:`BearerError` (an ``APIException``
whose ``detail`` is the core's JSON body plus DRF's ``"detail"``, with ``auth_header`` and
``wait`` for DRF's exception handler to copy into ``WWW-Authenticate`` and ``Retry-After``).
DRF's own ``NotAuthenticated`` (``IsAuthenticated`` refusing a request without a token) gets the
same ``detail``. The request's negotiated renderer is wrapped so that this answer is written with
the core's ``Content-Type`` and ``Cache-Control``, plus whatever a custom ``EXCEPTION_HANDLER``
added to that body in place; any other response, including one whose body the handler replaced,
goes to the negotiated renderer untouched.

``JWTGuardMiddleware`` leaves its refusals of requests to these views to
:class:`JWTAuthentication` (:func:`raises_left_refusals`), so DRF answers the same with or
without the middleware.

DRF takes the 401 challenge from the *first* authentication class only: list
``JWTAuthentication`` first, or DRF answers with another scheme's challenge (or turns 401 into 403).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, cast

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import APIException, ErrorDetail, NotAuthenticated
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.utils.encoders import JSONEncoder

from jwtguard import AccessToken, ErrorResponse
from jwtguard.adapters import ANY_TOKEN, OPTIONAL, Answer, Requirement, role_list, scope_list

from .auth import decide, took_refusal, unwrap, user_of
from .conf import get_settings

if TYPE_CHECKING:
    # rest_framework.views imports the authentication classes, and rest_framework.renderers
    # reads DRF's settings on import: neither may be imported with this module.
    from rest_framework.renderers import BaseRenderer
    from rest_framework.views import APIView


class BearerError(APIException):
    """A jwtguard refusal inside DRF, carrying the core's complete answer."""

    def __init__(self, answer: ErrorResponse) -> None:
        super().__init__(code=answer.code)
        self.answer = answer
        self.status_code = answer.status
        self.detail = cast(Any, _Body(answer))
        self.auth_header = answer.header("WWW-Authenticate")
        retry_after = answer.header("Retry-After")
        self.wait = int(retry_after) if retry_after is not None else None


class JWTAuthentication(BaseAuthentication):
    """Authenticates bearer tokens: ``request.user`` is the token's user, ``request.auth``
    the :class:`~jwtguard.AccessToken`.

    Returns ``None`` for a request without a bearer token (so other classes may try, or the
    request stays anonymous) and raises :class:`BearerError` for a bad one, or for the refusal
    ``JWTGuardMiddleware`` left to it. Reuses the middleware's validation when both are
    installed.
    """

    def authenticate(self, request: Request) -> tuple[Any, AccessToken] | None:
        http = unwrap(request)
        token = _accepted(request, decide(http, OPTIONAL))
        return None if token is None else (user_of(http), token)

    def authenticate_header(self, request: Request) -> str:
        """The 401 challenge (``Bearer realm="..."``), so DRF answers 401 rather than 403.

        DRF asks for it when a permission such as ``IsAuthenticated`` refuses an anonymous
        request, while it handles the ``NotAuthenticated`` it raised: that exception's
        ``detail`` becomes the core's ``token_missing`` / ``unsupported_scheme`` body, before
        the project's exception handler sees it.
        """
        handled = sys.exc_info()[1]  # DRF's handle_exception runs in an ``except`` block
        if isinstance(handled, NotAuthenticated) and _is_drfs_own(handled.detail):
            answer = decide(unwrap(request), ANY_TOKEN, attach=False)
            if isinstance(answer, ErrorResponse):
                _wrap_renderer(request)
                handled.detail = cast(Any, _Body(answer))
        return get_settings().guard.challenge()


def raises_left_refusals(view: Callable[..., Any]) -> bool:
    """Whether ``view`` (a URLconf's view function) is a DRF view that asks
    :class:`JWTAuthentication` first, in DRF's own way, so that it raises a refusal
    ``JWTGuardMiddleware`` leaves to it before the view's handler runs."""
    from rest_framework.views import APIView  # noqa: PLC0415 - see TYPE_CHECKING

    cls = getattr(view, "cls", None)
    if not (isinstance(cls, type) and issubclass(cls, APIView)):
        return False
    if (
        cls.get_authenticators is not APIView.get_authenticators
        or cls.perform_authentication is not APIView.perform_authentication
    ):
        return False  # other authenticators, or lazy authentication: the middleware answers
    initkwargs = getattr(view, "initkwargs", None) or {}
    classes = initkwargs.get("authentication_classes", cls.authentication_classes)
    first = next(iter(classes), None)
    return isinstance(first, type) and issubclass(first, JWTAuthentication)


class HasScopes(BasePermission):
    """Requires a valid token holding the view's scopes; refuses with the core's 401 or 403.

    The view declares what it needs (each a list, or a space-delimited string)::

        required_scopes = ["notes:admin"]  # every method
        read_scopes = ["notes:read"]  # GET, HEAD, OPTIONS
        write_scopes = ["notes:write"]  # POST, PUT, PATCH, DELETE, ...

    With none of them, any valid token passes. A missing scope is a 403 ``insufficient_scope``
    whose challenge names the required scopes; no token is a 401. ``OPTIONS`` is no exception
    (answer CORS preflights with django-cors-headers, above jwtguard).
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        requirement = Requirement.of(required_scopes(view, request.method or "GET"))
        _accepted(request, decide(unwrap(request), requirement, attach=False))
        return True


class HasRoles(BasePermission):
    """Requires a valid token holding the view's roles (read from ``ROLE_CLAIMS``, never from
    the scopes); refuses with the core's 401 or 403.

    The view declares what it needs (each a list, or one role)::

        required_roles = ["Notes.Admin"]  # every method
        read_roles = ["reader"]  # GET, HEAD, OPTIONS
        write_roles = ["editor"]  # POST, PUT, PATCH, DELETE, ...

    With none of them, any valid token passes. A missing role is a 403 ``insufficient_role``,
    whose challenge names nothing; no token is a 401. With :class:`HasScopes` as well
    (``permission_classes = [HasScopes, HasRoles]``) DRF checks both, in that order.
    """

    def has_permission(self, request: Request, view: APIView) -> bool:
        requirement = Requirement.of(roles=required_roles(view, request.method or "GET"))
        _accepted(request, decide(unwrap(request), requirement, attach=False))
        return True


def required_scopes(view: object, method: str) -> tuple[str, ...]:
    """The scopes ``view`` requires for ``method`` (see :class:`HasScopes`)."""
    return _declared(view, method, "scopes", scope_list)


def required_roles(view: object, method: str) -> tuple[str, ...]:
    """The roles ``view`` requires for ``method`` (see :class:`HasRoles`)."""
    return _declared(view, method, "roles", role_list)


def _declared(
    view: object, method: str, kind: str, names: Callable[[Any], tuple[str, ...]]
) -> tuple[str, ...]:
    """``required_<kind>`` and ``read_<kind>`` or ``write_<kind>`` of ``view``, for ``method``."""
    per_method = "read" if method.upper() in SAFE_METHODS else "write"
    declared = [
        *names(getattr(view, f"required_{kind}", ())),
        *names(getattr(view, f"{per_method}_{kind}", ())),
    ]
    return tuple(dict.fromkeys(declared))


def _accepted(request: Request, answer: Answer) -> AccessToken | None:
    """The token of the core's answer, or its refusal raised as the :class:`BearerError` DRF
    will render (also the refusal ``JWTGuardMiddleware`` left to the view: the same answer)."""
    if isinstance(answer, ErrorResponse):
        _wrap_renderer(request)
        took_refusal(request)
        raise BearerError(answer)
    return answer


def drf_document(answer: ErrorResponse) -> dict[str, Any]:
    """The core's body plus DRF's ``detail`` (an RFC 9457 problem document has one already)."""
    document: dict[str, Any] = json.loads(answer.body)
    document.setdefault("detail", document.get("error_description"))
    return document


class _Body(dict[str, Any]):
    """``BearerError.detail``: :func:`drf_document` as DRF error details (so ``get_codes()``
    works), knowing the answer it stands for."""

    def __init__(self, answer: ErrorResponse) -> None:
        document = drf_document(answer)
        super().__init__(
            {key: ErrorDetail(str(value), answer.code) for key, value in document.items()}
        )
        self.answer = answer
        self.original = dict(self)

    def document(self) -> dict[str, Any]:
        """The core's document (its values, exactly) as an exception handler left it: with the
        keys it added or changed, without those it removed."""
        core = drf_document(self.answer)
        return {
            key: core[key] if value is self.original.get(key) else value
            for key, value in self.items()
        }


class _AnswerRenderer:
    """The negotiated renderer, except for jwtguard's own refusals (see the module docstring).

    A renderer to DRF (``media_type``, ``format``, ``charset``, ``render``) without subclassing
    ``BaseRenderer``, whose module reads settings when imported.
    """

    def __init__(self, fallback: BaseRenderer) -> None:
        self.fallback = fallback
        self.media_type = fallback.media_type
        self.format = fallback.format
        self.charset = fallback.charset

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> str | bytes:
        response = (renderer_context or {}).get("response")
        if not isinstance(data, _Body) or response is None:
            return self.fallback.render(data, accepted_media_type, renderer_context)
        answer = data.answer
        if response.status_code != answer.status:
            return self.fallback.render(data, accepted_media_type, renderer_context)
        for name, value in answer.headers:
            response[name] = value
        return json.dumps(data.document(), cls=JSONEncoder, separators=(",", ":")).encode("ascii")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fallback, name)  # anything else a renderer may be asked for


def _is_drfs_own(detail: Any) -> bool:
    """DRF's own ``NotAuthenticated`` detail (not a message a project chose)."""
    return isinstance(detail, ErrorDetail) and detail.code == "not_authenticated"


def _wrap_renderer(request: Request) -> _AnswerRenderer:
    """Wrap the request's negotiated renderer (once) so jwtguard's refusals render exactly."""
    current = getattr(request, "accepted_renderer", None)
    if isinstance(current, _AnswerRenderer):
        return current
    if current is None:  # authenticated before content negotiation: answer in JSON
        from rest_framework.renderers import JSONRenderer  # noqa: PLC0415 - see TYPE_CHECKING

        current = JSONRenderer()
    wrapped = _AnswerRenderer(current)
    request.accepted_renderer = cast("BaseRenderer", wrapped)
    if not getattr(request, "accepted_media_type", None):
        request.accepted_media_type = wrapped.media_type
    return wrapped
