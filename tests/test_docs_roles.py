"""docs/scopes-and-roles.md: its Flask example, as written, tells a delegated scope from an app
role of the same name (with its JWKS_URL pointed at a real key server here)."""

from __future__ import annotations

from typing import Any

from jwtguard.testing import generate_key
from tests.contract import bearer
from tests.doc_blocks import doc_blocks
from tests.servers import recording_server

JWKS_URL = "https://login.microsoftonline.com/YOUR-TENANT-ID/discovery/v2.0/keys"
ISSUER = "https://login.microsoftonline.com/YOUR-TENANT-ID/v2.0"


def test_the_example_tells_scopes_from_roles() -> None:
    key = generate_key("RS256", kid="entra-1")
    code = doc_blocks()["roles-flask"]
    assert code.count(JWKS_URL) == 1
    with recording_server() as server:
        server.serve_json("/keys", key.jwks())
        namespace: dict[str, Any] = {"__name__": "docs_roles_flask"}
        local = code.replace(JWKS_URL, server.url + "/keys")
        exec(compile(local, "docs/scopes-and-roles.md", "exec"), namespace)  # noqa: S102
        client = namespace["app"].test_client()
        claims = {"iss": ISSUER, "aud": "YOUR-API-CLIENT-ID", "sub": "s", "tid": "t"}

        def get(path: str, **more: Any) -> Any:
            return client.get(path, headers=bearer(key.token(**claims, **more)))

        delegated = {"scp": "Notes.Read Notes.Read.All", "idtyp": "user"}
        app_only = {"roles": ["Notes.Read.All"], "idtyp": "app"}
        assert get("/notes", **delegated).get_json() == {
            "sub": "s",
            "scopes": ["Notes.Read", "Notes.Read.All"],
        }
        refused = get("/all-notes", **delegated)
        assert (refused.status_code, refused.get_json()["code"]) == (403, "insufficient_role")
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        assert get("/all-notes", **app_only).get_json() == {"roles": ["Notes.Read.All"]}
        refused = get("/notes", **app_only)
        assert (refused.status_code, refused.get_json()["code"]) == (403, "insufficient_scope")
        assert refused.headers["WWW-Authenticate"].endswith('scope="Notes.Read"')
        moderator = get("/moderation", **delegated, roles=["Moderator"])
        assert moderator.status_code == 200
        assert get("/moderation", **delegated).get_json()["code"] == "insufficient_role"
