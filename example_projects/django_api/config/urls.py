"""The endpoints of design §6, and the API's OpenAPI document at ``/api/schema``."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from notes import views

from jwtguard_django.decorators import jwt_exempt

urlpatterns = [
    path("health", views.health),
    path("api/me", views.MeView.as_view()),
    path("api/notes", views.NotesView.as_view()),
    path("plain/me", views.plain_me),
    path("api/schema", jwt_exempt(SpectacularAPIView.as_view()), name="schema"),
]
