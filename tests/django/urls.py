"""URLs of the Django tests; :func:`scope_key` names a route per set of required scopes."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import path

from tests.contract import SCENARIOS
from tests.django import views

SCOPE_SETS = sorted({scenario.scopes for scenario in SCENARIOS} | {("notes:write",)})


def scope_key(scopes: Iterable[str]) -> str:
    return "-".join(scopes).replace(":", "_") or "none"


urlpatterns = [
    path("plain/", views.plain),
    path("async-plain/", views.async_plain),
    path("exempt/", views.exempt),
    path("exempt-class/", views.ExemptClassView.as_view()),
    path("bare/", views.bare),
    path("optional/", views.optional),
    path("optional-exempt/", views.optional_exempt),
    path(
        "any-of/", views.decorated(("notes:read",), ("notes:admin", "notes:root"), is_async=False)
    ),
    path("drf/notes/", views.NotesView.as_view()),
    path("drf/authenticated/", views.AuthenticatedView.as_view()),
    path("drf/open/", views.OpenView.as_view()),
    path("drf/exempt-open/", views.ExemptOpenView.as_view()),
    path("drf/lazy/", views.LazyView.as_view()),
    path("drf/session-only/", views.SessionOnlyView.as_view()),
    path("export/", views.export),
    path("delete-all/", views.delete_all),
    path("async-delete-all/", views.async_delete_all),
    path("plain-post/", views.plain_post),
    path("decorated-post/", views.decorated_post),
    path("drf/write/", views.WriteView.as_view()),
]
for _scopes in SCOPE_SETS:
    _key = scope_key(_scopes)
    urlpatterns += [
        path(f"decorated/sync/{_key}/", views.decorated(_scopes, is_async=False)),
        path(f"decorated/async/{_key}/", views.decorated(_scopes, is_async=True)),
        path(f"drf/{_key}/", views.ScopedView.as_view(required_scopes=_scopes)),
    ]
