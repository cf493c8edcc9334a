"""The example notes API on Flask, protected by jwtguard.

    gunicorn --chdir example_projects/flask_api "app:create_app()" -b 127.0.0.1:8000

Configured from ``JWTGUARD_*`` environment variables; with none set it trusts this machine's
development key in ``example_projects/devkeys/generated``, made on first use (never do that in
production). Pages on other origins may call it when ``CORS_ALLOWED_ORIGINS`` lists them
(flask-cors).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, jsonify, request
from flask.typing import ResponseReturnValue
from flask_cors import CORS

from jwtguard import GuardConfig
from jwtguard.tools.keytools import development_key
from jwtguard_flask import JWTGuard, current_token, jwt_required

DEV_KEYS = Path(__file__).resolve().parent.parent / "devkeys" / "generated"

#: Used for every setting the environment leaves out; a key source in the environment
#: (``JWTGUARD_JWKS_URL``, ``JWTGUARD_JWKS_FILE``, ``JWTGUARD_SECRET``, ...) or an issuer whose
#: keys are then discovered (``JWTGUARD_ISSUER``) replaces the development key.
DEV_DEFAULTS: dict[str, Any] = {
    "ISSUER": "https://dev.jwtguard.local/",
    "AUDIENCE": "api://notes",
    "ALGORITHMS": ["ES256"],
    "JWKS_FILE": str(DEV_KEYS / "jwks.json"),
}

#: An origin as browsers send it: scheme, host name or IPv4 address, optional port.
ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def allowed_origins() -> list[str]:
    """``CORS_ALLOWED_ORIGINS``: the exact origins (``https://notes.example.com``, comma-separated)
    of the pages that may call this API; none when unset.

    Anything else stops the start-up: flask-cors would read ``*`` as "every origin" and a value
    with regular-expression characters as a pattern.
    """
    variable = os.environ.get("CORS_ALLOWED_ORIGINS", "")
    origins = [origin.strip() for origin in variable.split(",") if origin.strip()]
    wrong = [origin for origin in origins if not ORIGIN.fullmatch(origin)]
    if wrong:
        raise ValueError(
            f"CORS_ALLOWED_ORIGINS: {', '.join(map(repr, wrong))} is not an origin "
            "like https://notes.example.com or http://localhost:5173"
        )
    return origins


def create_app() -> Flask:
    """The app factory gunicorn calls (``"app:create_app()"``)."""
    app = Flask(__name__)
    development_key(DEV_KEYS, "ES256", kid="jwtguard-dev-1")  # made here on first use
    app.config["JWTGUARD"] = GuardConfig.from_env(defaults=DEV_DEFAULTS)
    guard = JWTGuard(app)
    # Browsers: flask-cors adds the CORS headers to every answer, refusals included. Preflights are
    # answered by Flask itself (its automatic OPTIONS response runs no view), so no route below
    # lists OPTIONS: jwtguard authenticates every request that reaches a view.
    CORS(
        app,
        origins=allowed_origins(),
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["WWW-Authenticate", "Retry-After"],
    )

    @app.get("/health")
    def health() -> ResponseReturnValue:
        return {"status": "ok"}

    api = Blueprint("api", __name__, url_prefix="/api")
    guard.protect(api)  # any valid token; the views below add their scopes
    notes: list[dict[str, Any]] = []

    @api.get("/me")
    def me() -> ResponseReturnValue:
        return {
            "sub": current_token.subject,
            "scopes": sorted(current_token.scopes),
            "iss": current_token.issuer,
        }

    @api.get("/notes")
    @jwt_required(scopes=["notes:read"])
    def list_notes() -> ResponseReturnValue:
        return jsonify(notes)

    @api.post("/notes")
    @jwt_required(scopes=["notes:write"])
    def create_note() -> ResponseReturnValue:
        payload = request.get_json(silent=True)
        text = payload.get("text") if isinstance(payload, dict) else None
        if not isinstance(text, str) or not text.strip():
            return {"error": "invalid_note", "error_description": 'Send {"text": "..."}'}, 400
        note = {"id": len(notes) + 1, "text": text, "author": current_token.subject}
        notes.append(note)
        return note, 201

    app.register_blueprint(api)
    return app
