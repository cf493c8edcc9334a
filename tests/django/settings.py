"""Django settings for tests/django (``JWTGUARD`` itself is set per test by conftest.py)."""

from __future__ import annotations

SECRET_KEY = "tests-only, not a secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]
USE_TZ = True
ROOT_URLCONF = "tests.django.urls"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "jwtguard_django",
]
MIDDLEWARE = ["jwtguard_django.middleware.JWTGuardMiddleware"]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
STATIC_URL = "/static/"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["jwtguard_django.drf.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["jwtguard_django.drf.HasScopes"],
}
