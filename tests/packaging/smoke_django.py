"""Plain Django (the ``django`` extra, no DRF): the middleware and ``@jwt_required`` answer real
requests, the system checks and the management command load, and nothing imports DRF.

    python smoke_django.py [--wheel] [--without-drf]

``--without-drf``: DRF must not be importable here (the ``django`` extra does not pull it).
``--wheel``: jwtguard must come from this environment's site-packages, as ``jwtguard-api``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types

import django
from django.conf import settings
from django.core.management import call_command, get_commands
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import path

from smoke_common import SETTINGS, bearer, check_installed_wheel, done


def main(argv: list[str]) -> None:
    check_installed_wheel("--wheel" in argv)
    if "--without-drf" in argv:
        assert importlib.util.find_spec("rest_framework") is None, "DRF is importable here"
    urls = types.ModuleType("smoke_urls")
    sys.modules[urls.__name__] = urls
    settings.configure(
        SECRET_KEY="smoke-test-only",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=urls.__name__,
        INSTALLED_APPS=["jwtguard_django"],
        MIDDLEWARE=["jwtguard_django.middleware.JWTGuardMiddleware"],
        JWTGUARD={**SETTINGS, "MODE": "annotate"},
        USE_TZ=True,
    )
    django.setup()
    from jwtguard_django.decorators import jwt_required  # noqa: PLC0415 - after setup

    @jwt_required(scopes=["notes:read"])
    def notes(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"notes": []})

    def health(request: HttpRequest) -> HttpResponse:
        return JsonResponse({"status": "ok"})

    urls.urlpatterns = [path("notes", notes), path("health", health)]  # type: ignore[attr-defined]

    call_command("check", fail_level="WARNING")
    assert {"jwtguard_explain", "jwtguard_revoke"} <= set(get_commands())
    client = Client()
    assert client.get("/health").status_code == 200  # annotate mode: no token needed here
    missing = client.get("/notes")
    assert missing.status_code == 401, missing.content
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert json.loads(missing.content)["code"] == "token_missing"
    narrow = client.get("/notes", HTTP_AUTHORIZATION=bearer("notes:write"))
    assert narrow.status_code == 403
    assert 'scope="notes:read"' in narrow.headers["WWW-Authenticate"]
    bad = client.get("/health", HTTP_AUTHORIZATION="Bearer not.a.token")  # the middleware
    assert (bad.status_code, json.loads(bad.content)["code"]) == (401, "token_malformed")
    assert client.get("/notes", HTTP_AUTHORIZATION=bearer("notes:read")).json() == {"notes": []}

    drf = sorted(
        name
        for name, module in sys.modules.items()
        if name.split(".")[0] == "rest_framework" and module is not None
    )
    assert not drf, f"plain Django imported DRF: {drf}"
    done("django")


if __name__ == "__main__":
    main(sys.argv[1:])
