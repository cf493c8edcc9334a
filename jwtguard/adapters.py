"""For authors of framework adapters: what an adapter builds on beyond :mod:`jwtguard` itself.

``jwtguard_django`` and ``jwtguard_flask`` import from ``jwtguard`` and from this module only, and
a new adapter should too: the modules behind these names may move, these names stay. An adapter
wraps its request in a :class:`~jwtguard.RequestView`, asks its :class:`~jwtguard.Guard`, and
renders the guard's answer; it decides nothing the core decides. What is left to it:

- a view's scope arguments, as a list or a space-delimited string: :func:`scope_list`;
- its framework's own CSRF check for cookie tokens: :data:`SAFE_METHODS`, :func:`csrf_settled`,
  :func:`refuse_if`; and the refusal of a request without a token: :func:`extract_token`;
- a custom key source or store passed to it: :class:`KeySource` (and :class:`~jwtguard.TokenStore`);
- framework signals: a :class:`GuardListener` added with :meth:`Guard.add_listener
  <jwtguard.Guard.add_listener>`;
- its own ``revoke`` command: :func:`revoke_by_options`; its checks of the configured store:
  :func:`store_kind`, :func:`is_process_local`;
- OpenAPI documents of its views: what each view requires (:class:`Requirement` of
  :class:`ScopeCheck`), and the shapes of :mod:`jwtguard.openapi`.
"""

from __future__ import annotations

from .audit import GuardListener
from .csrf import SAFE_METHODS, csrf_settled, refuse_if
from .extract import extract_token
from .keys.keyset import KeySource
from .openapi import (
    ERROR_SCHEMA,
    Requirement,
    ScopeCheck,
    error_responses,
    error_schema,
    security,
    security_schemes,
)
from .scopes import scope_list
from .stores.base import is_process_local
from .stores.build import store_kind
from .stores.revoke_options import revoke_by_options

__all__ = [
    "ERROR_SCHEMA",
    "SAFE_METHODS",
    "GuardListener",
    "KeySource",
    "Requirement",
    "ScopeCheck",
    "csrf_settled",
    "error_responses",
    "error_schema",
    "extract_token",
    "is_process_local",
    "refuse_if",
    "revoke_by_options",
    "scope_list",
    "security",
    "security_schemes",
    "store_kind",
]
