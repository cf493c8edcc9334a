"""apispec and flask-smorest: jwtguard's security schemes, each operation's scopes, and its
401/403 answers, by one plugin.

apispec with apispec-webframeworks' ``FlaskPlugin``::

    spec = APISpec("Notes", "1.0.0", "3.0.3", plugins=[FlaskPlugin(), JWTGuardPlugin(app)])
    with app.test_request_context():
        spec.path(view=list_notes)

flask-smorest: ``Api(app, spec_kwargs={"extra_plugins": [JWTGuardPlugin(app)]})``. Either way
``JWTGuard`` must be set up on ``app`` first. Operations keep what they document themselves (a
``security`` list, a ``401`` response); the shapes come from :mod:`jwtguard.openapi`, the
requirements from :func:`~jwtguard_flask.requirements.endpoint_requirement`.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec, BasePlugin
from flask import Flask
from werkzeug.routing import Rule

from jwtguard.adapters import ERROR_SCHEMA, error_responses, error_schema, security
from jwtguard.adapters import security_schemes as _security_schemes

from .requirements import endpoint_requirement
from .state import get_state


class JWTGuardPlugin(BasePlugin):
    """Documents the routes of ``app`` that jwtguard guards (see the module docstring)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._spec: APISpec | None = None

    def init_spec(self, spec: APISpec) -> None:
        """Register the security schemes and the refusal body's schema (when first used)."""
        config = get_state(self.app).guard.config
        for name, scheme in _security_schemes(config).items():
            spec.components.security_scheme(name, scheme)
        spec.components.schema(ERROR_SCHEMA, error_schema(config), lazy=True)
        self._spec = spec

    def operation_helper(
        self,
        path: str | None = None,
        operations: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """Add ``security`` and the 401/403 responses to each operation jwtguard guards."""
        rule = kwargs.get("rule")
        if not isinstance(rule, Rule):  # flask-smorest passes the rule, FlaskPlugin the view
            rule = self._rule_of(kwargs.get("view"))
        if rule is None or self._spec is None:
            return
        config = get_state(self.app).guard.config
        reference = self._spec.components.get_ref("schema", ERROR_SCHEMA)
        for method, operation in (operations or {}).items():
            requirement = endpoint_requirement(self.app, rule, method)
            if requirement is None:
                continue
            operation.setdefault("security", security(config, requirement))
            responses = operation.setdefault("responses", {})
            for status, response in error_responses(config, requirement, method, reference).items():
                if status not in responses and int(status) not in responses:
                    responses[status] = response

    def _rule_of(self, view: Any) -> Rule | None:
        """The first rule that routes to ``view`` (as apispec-webframeworks picks it)."""
        if view is None:
            return None
        functions = self.app.view_functions
        return next(
            (r for r in self.app.url_map.iter_rules() if functions[r.endpoint] is view), None
        )
