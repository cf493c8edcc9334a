"""``@jwt_required`` and ``@jwt_exempt`` for plain Django views (function or class, sync or async).

``@jwt_required`` works with or without the middleware: it reuses the middleware's validation
when there was one and validates itself otherwise. It authenticates every request that reaches
the view, ``OPTIONS`` included (CORS preflights are answered above, by django-cors-headers).

The view it returns is exempt from ``CsrfViewMiddleware``, which would run before it and refuse
a bearer ``POST``: a token in a header is not forgeable across sites, and jwtguard runs Django's
CSRF check itself for a token sent in a cookie. A query or form token could come from another
site's page, so for those the decorator makes the check ``CsrfViewMiddleware`` would have made,
when it is installed. Decorate a class-based view's ``dispatch`` (or the class's ``as_view()``
result), not its ``post``: Django reads ``csrf_exempt`` from the view function.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, overload

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest

from jwtguard import ErrorResponse
from jwtguard.adapters import Requirement

from .auth import adecide, decide, respond

V = TypeVar("V", bound=Callable[..., Any])
Exemptable = TypeVar("Exemptable")


@overload
def jwt_required(view: V, /) -> V: ...


@overload
def jwt_required(
    *,
    scopes: Iterable[str] | str = (),
    any_of: Iterable[str] | str = (),
    roles: Iterable[str] | str = (),
    any_roles: Iterable[str] | str = (),
    optional: bool = False,
) -> Callable[[V], V]: ...


def jwt_required(
    view: V | None = None,
    /,
    *,
    scopes: Iterable[str] | str = (),
    any_of: Iterable[str] | str = (),
    roles: Iterable[str] | str = (),
    any_roles: Iterable[str] | str = (),
    optional: bool = False,
) -> V | Callable[[V], V]:
    """Require a valid token with all of ``scopes`` and, if given, one of ``any_of``; with all
    of ``roles`` and, if given, one of ``any_roles`` (roles are read from ``ROLE_CLAIMS``, apart
    from scopes).

    Use bare (``@jwt_required``) or called (``@jwt_required(scopes=["notes:write"])``); a scope
    string is a space-delimited list of scopes, a role string one role. Refusals are the core's
    400/401/403/503 answers (a missing scope: 403 ``insufficient_scope``; a missing role: 403
    ``insufficient_role``). With ``optional=True`` a request without a token reaches the view
    (``get_token(request)`` is then ``None``); a token that is sent must still be valid and
    hold the scopes and roles.
    """
    if view is not None and not callable(view):
        raise TypeError("jwt_required takes scopes as a keyword: @jwt_required(scopes=[...])")
    requirement = Requirement.of(
        scopes, any_of, roles=roles, any_roles=any_roles, optional=optional
    )

    def decorate(view: V) -> V:
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                answer = await adecide(request, requirement, csrf_exempt=True)
                if isinstance(answer, ErrorResponse):
                    return respond(answer)
                return await view(request, *args, **kwargs)

            async_wrapper.csrf_exempt = True  # type: ignore[attr-defined]  # see module docstring
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            answer = decide(request, requirement, csrf_exempt=True)
            if isinstance(answer, ErrorResponse):
                return respond(answer)
            return view(request, *args, **kwargs)

        wrapper.csrf_exempt = True  # type: ignore[attr-defined]  # see module docstring
        return wrapper  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def jwt_exempt(view: Exemptable) -> Exemptable:
    """Let requests without a token reach ``view`` under an enforcing middleware.

    A token that is present is still validated, and refused if bad. Works on view functions
    and on class-based views (decorate the class, DRF's ``APIView`` subclasses included).
    """
    view.jwt_exempt = True  # type: ignore[attr-defined]
    return view
