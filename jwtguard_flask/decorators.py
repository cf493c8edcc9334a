"""View decorators: ``@jwt_required`` (bare or called, sync or async) and ``@jwt_exempt``."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast, overload

from jwtguard.adapters import Requirement

from .verify import decide, decide_async

View = TypeVar("View", bound=Callable[..., Any])

_EXEMPT_ATTRIBUTE = "jwtguard_exempt"
_REQUIREMENT_ATTRIBUTE = "jwtguard_requirement"


@overload
def jwt_required(view: View, /) -> View: ...


@overload
def jwt_required(
    *,
    scopes: str | Iterable[str] = (),
    any_of: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    any_roles: str | Iterable[str] = (),
    optional: bool = False,
) -> Callable[[View], View]: ...


def jwt_required(
    view: View | None = None,
    /,
    *,
    scopes: str | Iterable[str] = (),
    any_of: str | Iterable[str] = (),
    roles: str | Iterable[str] = (),
    any_roles: str | Iterable[str] = (),
    optional: bool = False,
) -> View | Callable[[View], View]:
    """Require a valid access token granting all of ``scopes`` and one of ``any_of``, and
    holding all of ``roles`` and one of ``any_roles`` (read from ``ROLE_CLAIMS``, apart from
    the scopes).

    Scopes are a list or a space-delimited string (``"notes:read notes:write"`` is two scopes,
    as in the Django adapter), roles a list or one role. Use it bare (``@jwt_required``) or
    called (``@jwt_required(scopes=["notes:read"])``, ``@jwt_required(roles=["Notes.Admin"])``).
    With ``optional=True`` a request without a token reaches the view (``current_token`` is then
    falsy); a token that is present must still be valid. The view may be ``async def``.
    ``EXEMPT_PATHS`` do not lift it (they apply to :meth:`JWTGuard.protect`), nor does the
    ``OPTIONS`` method: a route that lists ``OPTIONS`` runs the view, so it is authenticated
    (let flask-cors and Flask's automatic ``OPTIONS`` answer CORS preflights).
    """
    if view is not None and not callable(view):
        raise TypeError("jwt_required takes its options by keyword: @jwt_required(scopes=[...])")
    requirement = Requirement.of(
        scopes, any_of, roles=roles, any_roles=any_roles, optional=optional
    )

    def decorate(view: View) -> View:
        if inspect.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                await decide_async(requirement)
                return await view(*args, **kwargs)

            return _records(async_wrapper, requirement, view)

        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            decide(requirement)
            return view(*args, **kwargs)

        return _records(wrapper, requirement, view)

    return decorate(view) if view is not None else decorate


def _records(wrapper: Callable[..., Any], requirement: Requirement, view: View) -> View:
    """``wrapper``, remembering what it requires before ``view`` (for OpenAPI documents)."""
    inner = view_requirement(view)
    joined = requirement if inner is None else Requirement.join(requirement, inner)
    wrapper.__dict__[_REQUIREMENT_ATTRIBUTE] = joined
    return cast(View, wrapper)


def view_requirement(view: Callable[..., Any] | None) -> Requirement | None:
    """What the ``@jwt_required`` decorators of ``view`` require (``None``: it has none)."""
    requirement = getattr(view, _REQUIREMENT_ATTRIBUTE, None)
    return requirement if isinstance(requirement, Requirement) else None


def jwt_exempt(view: View) -> View:
    """Exempt ``view`` from blueprint or app protection (:meth:`JWTGuard.protect`).

    The view is reachable without a token, but a token that is sent must still be valid, and is
    then available as ``current_token``. It does not undo a ``@jwt_required`` on the view itself.
    """
    view.__dict__[_EXEMPT_ATTRIBUTE] = True
    return view


def is_exempt(view: Callable[..., Any] | None) -> bool:
    """Whether ``view`` was marked with :func:`jwt_exempt`."""
    return view is not None and getattr(view, _EXEMPT_ATTRIBUTE, False) is True
