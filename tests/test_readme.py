"""The Python examples of the README and the docs run as written (see tests/doc_blocks.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from jwtguard.testing import generate_key
from tests.contract import bearer
from tests.doc_blocks import doc_blocks, run_block, run_sh
from tests.servers import recording_server, serve_wsgi

#: The README's and the docs' tested blocks, by name (the older name of doc_blocks).
readme_blocks = doc_blocks
README_JWKS_URL = "https://idp.example.com/.well-known/jwks.json"


def test_readme_flask_example_serves_requests_with_keys_fetched_from_a_url() -> None:
    """The README's Flask example, with its JWKS_URL pointed at a real key server here."""
    key = generate_key("RS256", kid="idp-1")
    code = doc_blocks()["readme-flask"]
    assert code.count(README_JWKS_URL) == 1
    with recording_server() as server:
        server.serve_json("/.well-known/jwks.json", key.jwks())
        code = code.replace(README_JWKS_URL, server.url + "/.well-known/jwks.json")
        namespace: dict[str, Any] = {"__name__": "readme_flask_landing"}
        exec(compile(code, "README.md[readme-flask]", "exec"), namespace)  # noqa: S102
        client = namespace["app"].test_client()
        claims = {"iss": "https://idp.example.com/", "aud": "api://notes", "sub": "alice"}
        reader = bearer(key.token(**claims, scope="notes:read"))
        assert client.get("/notes", headers=reader).get_json() == {"sub": "alice"}
        writer = client.get("/notes", headers=bearer(key.token(**claims, scope="notes:write")))
        assert (writer.status_code, writer.get_json()["code"]) == (403, "insufficient_scope")
        missing = client.get("/notes")
        assert (missing.status_code, missing.headers["WWW-Authenticate"]) == (
            401,
            'Bearer realm="api"',
        )
        assert server.hits("/.well-known/jwks.json") == 1


@pytest.mark.parametrize(
    "name", ["core", "stores", "keys-remote", "keys-rotation", "keys-several-issuers"]
)
def test_readme_example_runs(name: str) -> None:
    run_block(name)


def test_readme_flask_example_serves_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = generate_key("RS256", kid="idp-1")  # the identity provider of the example
    (tmp_path / "jwks.json").write_text(json.dumps(key.jwks()))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme_flask"}
    exec(compile(readme_blocks()["flask"], "README.md[flask]", "exec"), namespace)  # noqa: S102
    client = namespace["create_app"]().test_client()  # type: ignore[operator]

    def token(**claims: object) -> dict[str, str]:
        claims = {"iss": "https://idp.example.com/", "aud": "api://notes", "sub": "alice"} | claims
        return bearer(key.token(**claims))

    assert client.get("/api/status").get_json() == {"status": "ok"}
    expired = client.get("/api/status", headers=token(now=0))
    assert (expired.status_code, expired.get_json()["code"]) == (401, "token_expired")
    missing = client.get("/api/me")
    assert (missing.status_code, missing.headers["WWW-Authenticate"]) == (401, 'Bearer realm="api"')
    me = client.get("/api/me", headers=token(scope="notes:read notes:write"))
    assert me.get_json() == {"sub": "alice", "scopes": ["notes:read", "notes:write"]}
    refused = client.post("/api/notes", headers=token(scope="notes:read"))
    assert (refused.status_code, refused.get_json()["code"]) == (403, "insufficient_scope")
    created = client.post("/api/notes", headers=token(scope="notes:write"))
    assert (created.status_code, created.get_json()) == (201, {"author": "alice"})


def test_readme_flask_cors_lets_pages_read_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CORS snippet in the Flask example's ``create_app``: Flask answers the preflight (no
    view runs), and a page on the listed origin can read refusals and their challenge."""
    key = generate_key("RS256", kid="idp-1")
    (tmp_path / "jwks.json").write_text(json.dumps(key.jwks()))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "readme_flask_cors"}
    exec(compile(readme_blocks()["flask"], "README.md[flask]", "exec"), namespace)  # noqa: S102
    namespace["app"] = namespace["create_app"]()  # type: ignore[operator]
    exec(compile(readme_blocks()["flask-cors"], "README.md[flask-cors]", "exec"), namespace)  # noqa: S102
    client = namespace["app"].test_client()  # type: ignore[attr-defined]
    page = {"Origin": "https://notes.example.com"}
    reader = page | bearer(
        key.token(iss="https://idp.example.com/", aud="api://notes", sub="alice", scope="x")
    )

    request = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    preflight = client.options("/api/notes", headers=page | request)
    assert (preflight.status_code, preflight.data) == (200, b"")
    assert "POST" in preflight.headers["Allow"]  # Flask's automatic OPTIONS answer
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://notes.example.com"
    assert preflight.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    for refused, status in (
        (client.get("/api/me", headers=page), 401),
        (client.post("/api/notes", headers=reader), 403),
    ):
        assert refused.status_code == status
        assert refused.headers["Access-Control-Allow-Origin"] == "https://notes.example.com"
        assert refused.headers["Access-Control-Expose-Headers"] == "Retry-After, WWW-Authenticate"
    other = client.get("/api/me", headers={"Origin": "https://notes.example.com.evil.test"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_readme_flask_app_over_http_runs_no_view_for_a_spoofed_preflight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's Flask app, plus a route with hand-written CORS handling (it lists
    ``OPTIONS``), under a real HTTP server: a spoofed preflight runs no view."""
    key = generate_key("RS256", kid="idp-1")
    (tmp_path / "jwks.json").write_text(json.dumps(key.jwks()))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, Any] = {"__name__": "readme_flask_http"}
    exec(compile(readme_blocks()["flask"], "README.md[flask]", "exec"), namespace)  # noqa: S102
    ran: list[str] = []

    @namespace["api"].route("/export", methods=["GET", "OPTIONS"])
    def export() -> dict[str, str]:
        ran.append("export")
        return {"data": "everyone's notes"}

    spoof = {"Access-Control-Request-Method": "GET", "Origin": "https://evil.example"}
    with serve_wsgi(namespace["create_app"]()) as url:
        refused = requests.options(url + "/api/export", headers=spoof, timeout=10)
        assert (refused.status_code, refused.json()["code"]) == (401, "token_missing")
        automatic = requests.options(url + "/api/notes", headers=spoof, timeout=10)
        assert (automatic.status_code, automatic.content) == (200, b""), "Flask's own answer"
        token = key.token(iss="https://idp.example.com/", aud="api://notes", sub="alice")
        allowed = requests.options(url + "/api/export", headers=bearer(token), timeout=10)
        assert allowed.json() == {"data": "everyone's notes"}
    assert ran == ["export"], "only the authenticated request reached the view"


def test_readme_flask_logout_revokes_the_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_url: str
) -> None:
    key = generate_key("RS256", kid="idp-1")
    (tmp_path / "jwks.json").write_text(json.dumps(key.jwks()))
    monkeypatch.chdir(tmp_path)
    code = readme_blocks()["flask-logout"]
    assert "redis://127.0.0.1:6379/0" in code
    code = code.replace("redis://127.0.0.1:6379/0", redis_url)  # the test's own redis-server
    namespace: dict[str, object] = {"__name__": "readme_flask_logout"}
    exec(compile(code, "README.md[flask-logout]", "exec"), namespace)  # noqa: S102
    client = namespace["app"].test_client()  # type: ignore[attr-defined]
    token = bearer(key.token(iss="https://idp.example.com/", aud="api://notes", sub="alice"))
    assert client.post("/logout", headers=token).status_code == 204
    again = client.post("/logout", headers=token)
    assert (again.status_code, again.get_json()["code"]) == (401, "token_revoked")


def test_readme_command_walkthrough_runs_as_written(tmp_path: Path) -> None:
    """The ``jwtguard`` command page's walkthrough, in a shell, with the installed script."""
    completed = run_sh("cli", tmp_path)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    assert (tmp_path / "keys" / "jwks.json").is_file()
    assert out.count("UNVERIFIED: decoded without checking the signature") == 1
    assert '"tenant": "acme"' in out
    assert re.search(r"exp +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (10 min 0|9 min [345]\d) s\)", out)
    assert out.count("ACCEPTED: the token would be accepted") == 1
    assert "[FAIL] scopes: missing scope `notes:write` (token has `notes:read`)" in out
    assert "[FAIL] scheme: scheme `SSWS` is not `Bearer`" in out
    assert out.count("refused: exit 1") == 2
