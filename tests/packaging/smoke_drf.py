"""Django REST framework (the ``drf`` extra): ``JWTAuthentication`` and ``HasScopes`` answer real
requests to an ``APIView``, without the middleware.

    python smoke_drf.py [--wheel]
"""

from __future__ import annotations

import sys
import types

import django
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import path

from smoke_common import SETTINGS, bearer, check_installed_wheel, done


def main(argv: list[str]) -> None:
    check_installed_wheel("--wheel" in argv)
    urls = types.ModuleType("smoke_urls")
    sys.modules[urls.__name__] = urls
    settings.configure(
        SECRET_KEY="smoke-test-only",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF=urls.__name__,
        INSTALLED_APPS=["rest_framework", "jwtguard_django"],
        JWTGUARD=SETTINGS,
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": ["jwtguard_django.drf.JWTAuthentication"],
            "DEFAULT_PERMISSION_CLASSES": ["jwtguard_django.drf.HasScopes"],
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "UNAUTHENTICATED_USER": None,
        },
        USE_TZ=True,
    )
    django.setup()
    from rest_framework.request import Request  # noqa: PLC0415 - after setup
    from rest_framework.response import Response  # noqa: PLC0415
    from rest_framework.views import APIView  # noqa: PLC0415

    class Notes(APIView):
        read_scopes = ("notes:read",)
        write_scopes = ("notes:write",)

        def get(self, request: Request) -> Response:
            return Response({"notes": [], "sub": request.auth.subject})

    urls.urlpatterns = [path("notes", Notes.as_view())]  # type: ignore[attr-defined]

    call_command("check", fail_level="WARNING")
    client = Client()
    missing = client.get("/notes")
    assert missing.status_code == 401, missing.content
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    assert missing.json()["code"] == "token_missing"
    narrow = client.get("/notes", HTTP_AUTHORIZATION=bearer("notes:write"))
    assert narrow.status_code == 403
    assert 'scope="notes:read"' in narrow.headers["WWW-Authenticate"]
    expired = client.get("/notes", HTTP_AUTHORIZATION="Bearer not.a.token")
    assert (expired.status_code, expired.json()["code"]) == (401, "token_malformed")
    answer = client.get("/notes", HTTP_AUTHORIZATION=bearer("notes:read"))
    assert answer.json() == {"notes": [], "sub": "alice"}, answer.content
    done("drf")


if __name__ == "__main__":
    main(sys.argv[1:])
