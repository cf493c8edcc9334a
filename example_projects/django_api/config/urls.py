"""The endpoints of design §6."""

from __future__ import annotations

from django.urls import path
from notes import views

urlpatterns = [
    path("health", views.health),
    path("api/me", views.MeView.as_view()),
    path("api/notes", views.NotesView.as_view()),
    path("plain/me", views.plain_me),
]
