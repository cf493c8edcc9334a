"""What jwtguard requires of each Flask route, read off the app (for OpenAPI documents).

``@jwt_required`` records its :class:`~jwtguard.openapi.Requirement` on the view it returns,
and :meth:`JWTGuard.protect <jwtguard_flask.JWTGuard.protect>` marks its ``before_request``
function; :func:`endpoint_requirement` puts them together in the order Flask runs them (app,
then each enclosing blueprint, then the view's decorators, then a ``MethodView`` method's).
Any OpenAPI tool can pass the result to :mod:`jwtguard.openapi`; :mod:`jwtguard_flask.openapi`
does it for apispec and flask-smorest.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import Rule

from jwtguard.adapters import Requirement, ScopeCheck

from .decorators import is_exempt, view_requirement
from .extension import PROTECTION_ATTRIBUTE
from .state import get_state


def endpoint_requirement(app: Flask, rule: Rule, method: str) -> Requirement | None:
    """What a ``method`` request to ``rule`` must carry; ``None`` when jwtguard does not guard
    it. Under :meth:`~jwtguard_flask.JWTGuard.protect`, a ``@jwt_exempt`` view or a rule
    matching ``EXEMPT_PATHS`` (the rule as written, ``/files/<path:name>``) takes a token
    optionally."""
    view = app.view_functions.get(rule.endpoint)
    parts: list[Requirement] = []
    protections = _protections(app, rule.endpoint)
    if protections:
        exempt = is_exempt(view) or get_state(app).guard.is_exempt(rule.rule)
        parts.append(Requirement(optional=True) if exempt else Requirement(protections))
    method_view = getattr(getattr(view, "view_class", None), method.lower(), None)
    parts.extend(r for r in map(view_requirement, (view, method_view)) if r is not None)
    return Requirement.join(*parts) if parts else None


def _protections(app: Flask, endpoint: str) -> tuple[ScopeCheck, ...]:
    """The checks of ``protect`` on the app and on the blueprints ``endpoint`` belongs to."""
    blueprint = endpoint.rpartition(".")[0]
    pieces = blueprint.split(".") if blueprint else []
    names = [None, *(".".join(pieces[:end]) for end in range(1, len(pieces) + 1))]
    functions = [f for name in names for f in app.before_request_funcs.get(name, ())]
    checks = (getattr(function, PROTECTION_ATTRIBUTE, None) for function in functions)
    return tuple(check for check in checks if isinstance(check, ScopeCheck))
