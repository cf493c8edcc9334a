"""Flask (the ``flask`` extra): the ``JWTGuard`` extension and ``@jwt_required`` answer real
requests.

    python smoke_flask.py [--wheel]
"""

from __future__ import annotations

import sys

from flask import Flask

from jwtguard_flask import JWTGuard, current_token, jwt_required

from smoke_common import SETTINGS, bearer, check_installed_wheel, done


def main(argv: list[str]) -> None:
    check_installed_wheel("--wheel" in argv)
    app = Flask("smoke")
    app.config["JWTGUARD"] = SETTINGS
    JWTGuard(app)

    @app.get("/notes")
    @jwt_required(scopes=["notes:read"])
    def notes() -> dict[str, object]:
        return {"notes": [], "sub": current_token.subject}

    @app.post("/notes")
    @jwt_required(scopes=["notes:write"])
    async def add_note() -> tuple[dict[str, object], int]:  # the async extra
        return {"author": current_token.subject}, 201

    client = app.test_client()
    missing = client.get("/notes")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert missing.get_json()["code"] == "token_missing"
    narrow = client.get("/notes", headers={"Authorization": bearer("notes:write")})
    assert narrow.status_code == 403
    assert 'scope="notes:read"' in narrow.headers["WWW-Authenticate"]
    answer = client.get("/notes", headers={"Authorization": bearer("notes:read")})
    assert answer.get_json() == {"notes": [], "sub": "alice"}
    added = client.post("/notes", headers={"Authorization": bearer("notes:write")})
    assert (added.status_code, added.get_json()) == (201, {"author": "alice"})
    done("flask")


if __name__ == "__main__":
    main(sys.argv[1:])
