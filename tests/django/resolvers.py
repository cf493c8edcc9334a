"""``USER_RESOLVER`` targets for the tests (dotted paths in the ``JWTGUARD`` setting)."""

from __future__ import annotations

import threading

from django.contrib.auth.models import User

from jwtguard import AccessToken, TokenRevoked

calls: list[int] = []
"""Thread ids of every resolver call, for the tests to count and inspect."""


def by_username(token: AccessToken) -> User | None:
    calls.append(threading.get_ident())
    return User.objects.filter(username=token.subject).first()


def unsaved_user(token: AccessToken) -> User:
    calls.append(threading.get_ident())
    return User(username=f"django-{token.subject}")


def revoking(token: AccessToken) -> User:
    raise TokenRevoked(detail="the subject was disabled")
