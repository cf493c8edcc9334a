"""docs/openapi.md: every Python snippet runs as written and builds what the page says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.utils.module_loading import import_string
from openapi_spec_validator import validate

from jwtguard_django.spectacular import AutoSchema
from tests.doc_blocks import doc_blocks

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "openapi.md"
EXAMPLE = ROOT / "example_projects" / "django_api" / "config"
BEARER = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


def blocks() -> dict[str, str]:
    """This page's tested blocks, by name."""
    return {name: code for name, code in doc_blocks().items() if name.startswith("openapi-")}


def run(*names: str) -> dict[str, Any]:
    """Run the snippets ``names`` one after the other in one namespace (as a reader would)."""
    namespace: dict[str, Any] = {"__name__": f"openapi_{names[0].replace('-', '_')}"}
    for name in names:
        exec(compile(blocks()[name], f"docs/openapi.md[{name}]", "exec"), namespace)  # noqa: S102
    return namespace


def as_json(document: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(document))
    return loaded


def test_every_python_snippet_is_tested() -> None:
    text = PAGE.read_text("utf-8")
    assert text.count("```python") == len(blocks()) == 5


def test_the_django_settings_are_the_example_projects() -> None:
    settings = run("openapi-django-settings")
    schema_class = settings["REST_FRAMEWORK"]["DEFAULT_SCHEMA_CLASS"]
    assert import_string(schema_class) is AutoSchema
    assert "drf_spectacular" in settings["INSTALLED_APPS"]
    assert f'"DEFAULT_SCHEMA_CLASS": "{schema_class}"' in (EXAMPLE / "settings.py").read_text()


def test_the_django_schema_url_is_exempt_and_the_example_projects() -> None:
    (pattern,) = run("openapi-django-urls")["urlpatterns"]
    assert pattern.callback.jwt_exempt is True
    line = 'path("api/schema", jwt_exempt(SpectacularAPIView.as_view()), name="schema")'
    assert line in blocks()["openapi-django-urls"]
    assert line in (EXAMPLE / "urls.py").read_text()


def test_the_apispec_snippet_documents_the_scopes() -> None:
    namespace = run("openapi-apispec", "openapi-other-tools")
    document = as_json(namespace["spec"].to_dict())
    validate(document)
    assert document["components"]["securitySchemes"]["bearerAuth"] == BEARER
    operation = document["paths"]["/api/notes"]["get"]
    assert operation["security"] == [{"bearerAuth": [], "openIdConnect": ["notes:read"]}]
    assert {"200", "401", "403"} == set(operation["responses"])
    # "Other tools": the same pieces by hand give what the plugin gave.
    by_hand = as_json(namespace["operation"])
    assert by_hand["security"] == operation["security"]
    assert by_hand["responses"]["403"] == operation["responses"]["403"]
    assert (
        as_json(namespace["components"])["securitySchemes"]
        == (document["components"]["securitySchemes"])
    )


def test_the_flask_smorest_snippet_documents_the_scopes() -> None:
    document = as_json(run("openapi-flask-smorest")["api"].spec.to_dict())
    validate(document)
    notes = document["paths"]["/api/notes"]
    assert notes["get"]["security"] == [{"bearerAuth": [], "openIdConnect": ["notes:read"]}]
    assert notes["post"]["security"] == [{"bearerAuth": [], "openIdConnect": ["notes:write"]}]
    assert {"401", "403"} <= set(notes["post"]["responses"])
