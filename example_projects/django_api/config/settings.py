"""Settings of the example notes API (Django + DRF + jwtguard).

jwtguard reads ``JWTGUARD_*`` environment variables over ``DEV_DEFAULTS`` (``ENV_PREFIX``): with
none set, the API trusts this machine's development key (``../devkeys/generated``, made on first
use) and needs nothing external. Setting a key source (``JWTGUARD_JWKS_URL``,
``JWTGUARD_JWKS_FILE``, ``JWTGUARD_PUBLIC_KEY_FILE``, ``JWTGUARD_SECRET``...) or only
``JWTGUARD_ISSUER`` (its keys are then discovered) replaces the development key entirely.
"""

from __future__ import annotations

import os
from pathlib import Path

from jwtguard.tools.keytools import development_key

BASE_DIR = Path(__file__).resolve().parent.parent
DEVKEYS = BASE_DIR.parent / "devkeys" / "generated"
development_key(DEVKEYS, "ES256", kid="jwtguard-dev-1")  # made here on first use

DEV_DEFAULTS = {
    "ISSUER": "https://dev.jwtguard.local/",
    "AUDIENCE": "api://notes",
    "ALGORITHMS": ["ES256"],
    "JWKS_FILE": str(DEVKEYS / "jwks.json"),
}
JWTGUARD = {**DEV_DEFAULTS, "ENV_PREFIX": "JWTGUARD_"}

# Nothing here signs anything (no sessions, no CSRF cookies), so a fixed default is harmless.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only: set DJANGO_SECRET_KEY")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + [
    host for host in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if host
]

INSTALLED_APPS = ["corsheaders", "rest_framework", "drf_spectacular", "jwtguard_django", "notes"]
MIDDLEWARE = [
    # Above CommonMiddleware and jwtguard: it answers CORS preflights itself, so they never reach
    # jwtguard, which authenticates every request it sees (OPTIONS included).
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "jwtguard_django.middleware.JWTGuardMiddleware",
]
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DATABASES: dict[str, dict[str, str]] = {}  # the notes live in memory
USE_TZ = True

# With DJANGO_REDIS_URL, Django's cache is that Redis, which JWTGUARD_STORE=django-cache then
# uses for replay protection and revocation (JWTGUARD_REDIS_URL uses jwtguard's own Redis store).
if os.environ.get("DJANGO_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DJANGO_REDIS_URL"],
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

# Browsers (django-cors-headers): the exact origins of the pages that may call this API, from
# CORS_ALLOWED_ORIGINS (comma-separated, e.g. "https://notes.example.com,http://localhost:5173");
# unset, no page on another origin can read an answer. Pages send `Authorization` (and a JSON
# `Content-Type`), never cookies, and their scripts may read the challenge of a refusal.
CORS_ALLOWED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",")
    if origin.strip()
]
CORS_ALLOW_HEADERS = ["authorization", "content-type"]
CORS_EXPOSE_HEADERS = ["WWW-Authenticate", "Retry-After"]

REST_FRAMEWORK = {
    # First, so that DRF's 401 challenge is the Bearer one.
    "DEFAULT_AUTHENTICATION_CLASSES": ["jwtguard_django.drf.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["jwtguard_django.drf.HasScopes"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,  # django.contrib.auth is not installed
    # drf-spectacular's, plus jwtguard's 401/403 answers (docs/openapi.md).
    "DEFAULT_SCHEMA_CLASS": "jwtguard_django.spectacular.AutoSchema",
}

# The OpenAPI document, served at /api/schema (public: @jwt_exempt in config/urls.py).
SPECTACULAR_SETTINGS = {
    "TITLE": "Notes API",
    "DESCRIPTION": "The jwtguard example API (Django + DRF).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}
