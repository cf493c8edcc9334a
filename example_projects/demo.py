"""jwtguard's demo: both example APIs on 127.0.0.1, a scripted tour of requests, and what
``jwtguard explain`` says of each one.

    python3 dev.py demo

Nothing external is needed: the APIs run on their embedded defaults (this machine's development
key in ``devkeys/generated/``, made on first use), each in a real WSGI server on a free port
of this machine, and are shut down at the end. The exit status is 0 when every answer is the
one the wire contract prescribes (``docs/reference/errors.md``).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from werkzeug.serving import make_server

from jwtguard.tools.cli import format_explanation
from jwtguard.tools.explain import explain
from jwtguard.tools.keytools import development_key

HERE = Path(__file__).resolve().parent
ISSUER, AUDIENCE = "https://dev.jwtguard.local/", "api://notes"

Out = Callable[[str], object]


@dataclass(frozen=True)
class Step:
    title: str
    method: str
    path: str
    status: int  # what the wire contract prescribes (docs/reference/errors.md)
    authorization: str | None = None
    scopes: tuple[str, ...] = ()
    body: bytes | None = None
    extra: dict[str, str] = field(default_factory=dict)


def tour(token: Callable[..., str]) -> list[Step]:
    """The requests every API gets: each a common reason for a confusing 401, then success."""
    note = b'{"text": "hello from the demo"}'
    return [
        Step("No token at all", "GET", "/api/notes", 401, scopes=("notes:read",)),
        Step(
            "An Okta API token sent with the SSWS scheme",
            "GET",
            "/api/notes",
            401,
            "SSWS 00QCjAl4MlV-WPXM-demo-not-a-real-token",
            ("notes:read",),
        ),
        Step(
            "A token that expired ten minutes ago",
            "GET",
            "/api/notes",
            401,
            f"Bearer {token(lifetime=300, now=time.time() - 900, scope='notes:read')}",
            ("notes:read",),
        ),
        Step(
            "A token for another API (wrong audience)",
            "GET",
            "/api/notes",
            401,
            f"Bearer {token(aud='api://billing', scope='notes:read')}",
            ("notes:read",),
        ),
        Step(
            "A read-only token trying to write",
            "POST",
            "/api/notes",
            403,
            f"Bearer {token(scope='notes:read')}",
            ("notes:write",),
            note,
        ),
        Step(
            "A valid token with the right scope",
            "POST",
            "/api/notes",
            201,
            f"Bearer {token(scope='notes:read notes:write')}",
            ("notes:write",),
            note,
        ),
    ]


@dataclass(frozen=True)
class Api:
    name: str
    app: Any  # a WSGI application
    validator: Any  # the app's own jwtguard Validator, for explain


def load_apis() -> list[Api]:
    """Both example projects, configured from their embedded defaults."""
    for name in [name for name in os.environ if name.startswith("JWTGUARD_")]:
        del os.environ[name]
    sys.path[:0] = [str(HERE / "flask_api"), str(HERE / "django_api")]
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # Imported here: the settings module and the apps' folders must be set up first.
    from django.core.wsgi import get_wsgi_application  # noqa: PLC0415

    from jwtguard_django.conf import get_guard  # noqa: PLC0415
    from jwtguard_flask import get_state  # noqa: PLC0415

    flask_module = __import__("app")
    flask_app = flask_module.create_app()
    django_app = get_wsgi_application()
    return [
        Api("Flask example API", flask_app, get_state(flask_app).guard.validator),
        Api("Django + DRF example API", django_app, get_guard().validator),
    ]


class AuditLines(logging.Handler):
    """Keeps the ``jwtguard.audit`` records of the current request, to show them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """``app`` in a threaded WSGI server on a free port of 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def send(base_url: str, step: Step) -> tuple[int, dict[str, str], str]:
    headers = {"Authorization": step.authorization} if step.authorization else {}
    if step.body is not None:
        headers["Content-Type"] = "application/json"
    request = Request(base_url + step.path, step.body, headers, method=step.method)  # noqa: S310
    try:
        with urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
            return response.status, dict(response.headers), response.read().decode()
    except HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def shorten(authorization: str | None) -> str:
    if authorization is None:
        return "(none)"
    scheme, _, credentials = authorization.partition(" ")
    if len(credentials) <= 24:
        return authorization
    return f"{scheme} {credentials[:20]}... ({len(credentials)} characters)"


def explain_lines(api: Api, step: Step) -> list[str]:
    explanation = explain(step.authorization or "", api.validator, scopes=step.scopes)
    report = format_explanation(explanation).splitlines()
    shown = [report[0]] + [line for line in report[1:] if "[FAIL]" in line or "fix:" in line]
    passed, skipped = explanation.count("passed"), explanation.count("skipped")
    shown.append(f"  ({passed} checks passed, {skipped} skipped)")
    return ["    jwtguard explain says:"] + [f"      {line.strip()}" for line in shown]


def run_tour(api: Api, steps: list[Step], out: Out, audit: AuditLines) -> bool:
    out(f"\n=== {api.name} ===")
    as_expected = True
    with serving(api.app) as base_url:
        out(f"(serving on {base_url})")
        for number, step in enumerate(steps, 1):
            status, headers, body = send(base_url, step)
            as_expected &= status == step.status
            out(f"\n[{number}] {step.title}")
            out(f"    {step.method} {step.path}  Authorization: {shorten(step.authorization)}")
            out(f"    -> {status}")
            challenge = headers.get("WWW-Authenticate")
            if challenge:
                out(f"       WWW-Authenticate: {challenge}")
            out(f"       {body.strip()}")
            for line in audit.take():
                out(f"    audit log: {line}")
            for line in explain_lines(api, step):
                out(line)
    return as_expected


def main(out: Out = print) -> int:
    key = development_key(HERE / "devkeys" / "generated", "ES256", kid="jwtguard-dev-1")

    def token(**claims: Any) -> str:
        return key.token(**({"iss": ISSUER, "aud": AUDIENCE, "sub": "alice"} | claims))

    out("jwtguard demo: the same requests to both example APIs, and why each answer is what it is")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log between the lines
    audit = AuditLines()
    audit_log = logging.getLogger("jwtguard.audit")
    audit_log.addHandler(audit)
    audit_log.setLevel(logging.INFO)
    results = [run_tour(api, tour(token), out, audit) for api in load_apis()]
    if all(results):
        out(
            "\nEvery answer is the one the wire contract prescribes, identical in both "
            "frameworks: see docs/reference/errors.md (the status, challenge and code of each)."
        )
        return 0
    out("\nSome answers were not the expected ones (see above).")
    return 1


if __name__ == "__main__":
    sys.exit(main())
