"""Audit records and Django signals, once per Django entry point.

The record is built and tested in the core (``tests/core/test_audit.py``, once per refusal
path). Here each way a Django request is refused (the middleware, sync and async; ``@jwt_required``,
sync and async; DRF's authentication, ``HasScopes`` and its own ``IsAuthenticated``; the
middleware leaving its refusal to DRF; a ``USER_RESOLVER`` refusing) shows that its refusal
reaches that one record, once, with the request fields Django supplies (method, ``path_info``
without the query string, ``REMOTE_ADDR``), and the same fields in ``token_rejected``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.http import HttpRequest
from django.test import AsyncClient, Client, override_settings

from jwtguard import AccessToken, AuthError, Guard
from jwtguard_django.signals import token_rejected, token_validated
from tests.audit import (
    Request,
    audit_records,
    check_entry_record,
    expired,
    expired_in_query,
    no_token,
    valid,
)
from tests.contract import Minter, bearer

OURS = ["jwtguard_django.middleware.JWTGuardMiddleware"]


@dataclass(frozen=True)
class EntryPoint:
    """A Django entry point refusing a request, and what its record must say."""

    name: str
    path: str
    request: Request
    code: str
    middleware: list[str] = field(default_factory=OURS.copy)  # MIDDLEWARE
    options: dict[str, str] = field(default_factory=dict)  # on top of the JWTGUARD setting
    method: str = "GET"
    asynchronous: bool = False  # sent through Django's async stack (AsyncClient)
    sub: str | None = None  # the subject of the token the record names
    validated: bool = False  # the token passed validation before the refusal


ANNOTATE = {"MODE": "annotate"}
REVOKING = {"USER_RESOLVER": "tests.django.resolvers.revoking"}

ENTRY_POINTS = [
    EntryPoint("middleware", "/plain/", expired_in_query, "token_expired", sub="mallory"),
    EntryPoint(
        "async middleware",
        "/async-plain/",
        expired,
        "token_expired",
        method="DELETE",
        asynchronous=True,
        sub="mallory",
    ),
    EntryPoint(
        "@jwt_required",
        "/decorated/sync/notes_write/",
        valid,
        "insufficient_scope",
        middleware=[],
        method="POST",
        sub="alice",
        validated=True,
    ),
    EntryPoint(
        "async @jwt_required",
        "/decorated/async/none/",
        expired,
        "token_expired",
        middleware=[],
        sub="mallory",
    ),
    EntryPoint(
        "middleware, then @jwt_required",
        "/decorated/sync/notes_write/",
        valid,
        "insufficient_scope",
        sub="alice",
        validated=True,
    ),
    EntryPoint(
        "DRF authentication", "/drf/none/", expired, "token_expired", middleware=[], sub="mallory"
    ),
    EntryPoint(
        "DRF HasScopes",
        "/drf/notes_write/",
        valid,
        "insufficient_scope",
        middleware=[],
        sub="alice",
        validated=True,
    ),
    EntryPoint("DRF HasScopes, no token", "/drf/none/", no_token, "token_missing", middleware=[]),
    EntryPoint(
        "DRF IsAuthenticated", "/drf/authenticated/", no_token, "token_missing", middleware=[]
    ),
    EntryPoint("middleware, left to DRF", "/drf/none/", expired, "token_expired", sub="mallory"),
    EntryPoint(
        "async middleware, left to DRF",
        "/drf/none/",
        expired,
        "token_expired",
        asynchronous=True,
        sub="mallory",
    ),
    EntryPoint(
        "middleware, exempt DRF view", "/drf/exempt-open/", expired, "token_expired", sub="mallory"
    ),
    EntryPoint(
        "annotating middleware, then DRF", "/drf/none/", no_token, "token_missing", options=ANNOTATE
    ),
    EntryPoint(
        "USER_RESOLVER",
        "/plain/",
        valid,
        "token_revoked",
        options=REVOKING,
        sub="alice",
        validated=True,
    ),
    EntryPoint(
        "async USER_RESOLVER",
        "/async-plain/",
        valid,
        "token_revoked",
        options=REVOKING,
        asynchronous=True,
        sub="alice",
        validated=True,
    ),
]


class Signals:
    """Records ``token_validated`` and ``token_rejected`` while connected."""

    def __init__(self) -> None:
        self.validated: list[tuple[Any, str, str | None]] = []
        self.rejected: list[tuple[Any, str, str, dict[str, Any]]] = []

    def on_validated(
        self, sender: Any, request: HttpRequest, token: AccessToken, **kw: Any
    ) -> None:
        self.validated.append((sender, request.path, token.subject))

    def on_rejected(
        self,
        sender: Any,
        request: HttpRequest,
        error: AuthError,
        record: dict[str, Any],
        **kw: Any,
    ) -> None:
        self.rejected.append((sender, request.path, error.code, dict(record)))

    def __enter__(self) -> Signals:
        token_validated.connect(self.on_validated)
        token_rejected.connect(self.on_rejected)
        return self

    def __exit__(self, *exc_info: object) -> None:
        token_validated.disconnect(self.on_validated)
        token_rejected.disconnect(self.on_rejected)


@contextmanager
def stack(entry: EntryPoint, jwtguard_setting: dict[str, object]) -> Iterator[None]:
    with override_settings(
        MIDDLEWARE=entry.middleware, JWTGUARD={**jwtguard_setting, **entry.options}
    ):
        yield


def send(entry: EntryPoint, headers: dict[str, str], query: dict[str, list[str]]) -> Any:
    encoded = urlencode(query, doseq=True)
    url = f"{entry.path}?{encoded}" if encoded else entry.path
    if entry.asynchronous:
        return asyncio.run(AsyncClient().generic(entry.method, url, headers=headers))
    return Client().generic(entry.method, url, headers=headers)


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=lambda entry: entry.name)
def test_each_entry_point_reaches_the_one_record(
    entry: EntryPoint,
    minter: Minter,
    jwtguard_setting: dict[str, object],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    headers, query = entry.request(minter)
    with stack(entry, jwtguard_setting), Signals() as signals:
        response = send(entry, headers, query)
    assert response.json()["code"] == entry.code
    fields = check_entry_record(
        caplog,
        code=entry.code,
        status=response.status_code,
        method=entry.method,
        path=entry.path,
        sub=entry.sub,
        headers=headers,
        query=query,
    )
    assert signals.rejected == [(Guard, entry.path, entry.code, fields)]
    assert signals.validated == ([(Guard, entry.path, "alice")] if entry.validated else [])


def test_an_accepted_request_writes_no_record(
    client: Client, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="jwtguard")
    with Signals() as signals:
        assert client.get("/plain/", headers=bearer(minter.token())).status_code == 200
        assert client.get("/drf/none/", headers=bearer(minter.token())).status_code == 200
    assert audit_records(caplog) == []
    assert signals.validated == [(Guard, "/plain/", "alice"), (Guard, "/drf/none/", "alice")]
    assert signals.rejected == []


def test_a_failing_receiver_changes_no_answer(
    client: Client, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("receiver bug")

    token_validated.connect(broken)
    token_rejected.connect(broken)
    try:
        assert client.get("/plain/", headers=bearer(minter.token())).status_code == 200
        assert client.get("/plain/", headers=bearer(minter.token(now=0))).status_code == 401
    finally:
        token_validated.disconnect(broken)
        token_rejected.disconnect(broken)
    failures = [r for r in caplog.records if r.name == "jwtguard" and "listener failed" in r.msg]
    assert len(failures) == 2
