"""For authors of framework adapters: what an adapter builds on beyond :mod:`jwtguard` itself.

``jwtguard_django`` and ``jwtguard_flask`` import from ``jwtguard`` and from this module only, and
a new adapter should too: the modules behind these names may move, these names stay. An adapter
wraps its request in a :class:`~jwtguard.RequestView`, asks its :class:`~jwtguard.Guard` for
the one per-request decision (:meth:`Guard.decide <jwtguard.Guard.decide>`, or
:meth:`~jwtguard.Guard.decide_async`), and renders the guard's answer; it decides nothing the
core decides. Whitenoise's middleware is the model::

    answer = guard.decide(view, Requirement.of(scopes), state=state, route=route)
    if isinstance(answer, ErrorResponse):
        return framework_response(answer.status, answer.headers, answer.body)
    return call_the_view()

What is left to it:

- what each view requires: a :class:`Requirement` of :class:`ScopeCheck` (:data:`ANY_TOKEN`,
  :data:`OPTIONAL`; scope arguments as a list or a space-delimited string: :func:`scope_list`;
  role arguments as a list or one role: :func:`role_list`);
- one :class:`RequestState` per request, kept where its framework keeps per-request data and
  passed to every decision, so the token is found and validated once and a refusal answered once;
- for protection over many views (a middleware, a whole app), the :class:`RouteView` of the
  request's view (whether it is marked exempt; whether the framework answers an ``OPTIONS``
  request itself): the core's pass-through rule reads it;
- its framework's own CSRF check for cookie tokens, as the request view's ``csrf_failure()``
  (see :mod:`jwtguard.csrf`), and whether CSRF is settled for a token: :func:`csrf_settled`
  (also :data:`SAFE_METHODS`, :func:`refuse_if`, :func:`extract_token` for other checks);
- a custom key source or store passed to it: :class:`KeySource` (and :class:`~jwtguard.TokenStore`);
- framework signals: a :class:`GuardListener` added with :meth:`Guard.add_listener
  <jwtguard.Guard.add_listener>`;
- its own ``revoke`` command: :func:`revoke_by_options`; its own ``explain`` command:
  :func:`explain_command` (and :func:`add_explain_arguments` for an argparse-based one); its
  checks of the configured store: :func:`store_kind`, :func:`is_process_local`;
- OpenAPI documents of its views: what each view requires (:class:`Requirement` of
  :class:`ScopeCheck`), and the shapes of :mod:`jwtguard.openapi`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .audit import GuardListener
from .csrf import SAFE_METHODS, csrf_settled, refuse_if
from .extract import extract_token
from .guard import Answer, RequestState
from .keys.keyset import KeySource
from .openapi import ERROR_SCHEMA, error_responses, error_schema, security, security_schemes
from .request import Route, RouteView
from .scopes import ANY_TOKEN, OPTIONAL, Requirement, ScopeCheck, role_list, scope_list
from .stores.base import is_process_local
from .stores.build import store_kind
from .stores.revoke_options import revoke_by_options
from .validator import Validator

__all__ = [
    "ANY_TOKEN",
    "ERROR_SCHEMA",
    "OPTIONAL",
    "SAFE_METHODS",
    "Answer",
    "GuardListener",
    "KeySource",
    "RequestState",
    "Requirement",
    "Route",
    "RouteView",
    "ScopeCheck",
    "add_explain_arguments",
    "csrf_settled",
    "error_responses",
    "error_schema",
    "explain_command",
    "extract_token",
    "is_process_local",
    "refuse_if",
    "revoke_by_options",
    "role_list",
    "scope_list",
    "security",
    "security_schemes",
    "store_kind",
]


def explain_command(
    validator: Validator,
    token: str | None,
    *,
    file: Path | None = None,
    stdin: TextIO,
    scopes: Sequence[str] = (),
    any_of: Sequence[str] = (),
    roles: Sequence[str] = (),
    any_roles: Sequence[str] = (),
    as_json: bool = False,
) -> tuple[str, bool]:
    """An adapter's ``explain`` command, given its guard's validator: the token (``token``, else
    the ``file``, else ``stdin``; ``"-"`` is ``stdin`` too) explained as ``jwtguard explain``
    prints it (``as_json``: as JSON), and whether it would be accepted (the command then exits
    0, else 1). ``ValueError`` or ``OSError`` when there is no token to read."""
    from .tools.cli import explain_output, read_credentials  # noqa: PLC0415 - for commands only

    credentials = read_credentials(token, file, stdin)
    return explain_output(
        credentials,
        validator,
        scopes=scopes,
        any_of=any_of,
        roles=roles,
        any_roles=any_roles,
        as_json=as_json,
    )


def add_explain_arguments(parser: argparse.ArgumentParser) -> None:
    """``jwtguard explain``'s arguments but the configuration (``token``, ``--file``,
    ``--scope``, ``--any-scope``, ``--role``, ``--any-role``, ``--json``), for a command built
    on :mod:`argparse`."""
    from .tools.cli import add_explain_arguments as add  # noqa: PLC0415 - for commands only

    add(parser)
