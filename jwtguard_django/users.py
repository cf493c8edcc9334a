"""Who a valid token is: a stateless :class:`TokenUser`, or your user via ``USER_RESOLVER``."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async

from jwtguard import AccessToken, ClaimInvalid

from .conf import GuardSettings


class TokenUser:
    """A user built from the token alone: authenticated, never stored, no database query.

    ``id``, ``pk`` and ``username`` are the token's ``sub``; it has no Django permissions (use
    scopes). It quacks like ``AbstractBaseUser`` where views, DRF permissions and throttles look.
    """

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, token: AccessToken) -> None:
        self.token = token

    @property
    def id(self) -> str | None:
        return self.token.subject

    @property
    def pk(self) -> str | None:
        return self.token.subject

    @property
    def username(self) -> str:
        return self.token.subject or ""

    def get_username(self) -> str:
        return self.username

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return False

    def has_perms(self, perm_list: object, obj: object = None) -> bool:
        return False

    def has_module_perms(self, app_label: str) -> bool:
        return False

    def get_all_permissions(self, obj: object = None) -> set[str]:
        return set()

    def save(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError("a TokenUser is built from a token and is never stored")

    def delete(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError("a TokenUser is built from a token and is never stored")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TokenUser) and other.token.subject == self.token.subject

    def __hash__(self) -> int:
        return hash((TokenUser, self.token.subject))

    def __str__(self) -> str:
        return self.username

    def __repr__(self) -> str:
        return f"TokenUser(username={self.username!r})"


def resolve_user(token: AccessToken, settings: GuardSettings) -> Any:
    """The user for ``token``: ``USER_RESOLVER``'s answer, or a :class:`TokenUser`.

    A resolver rejects a token by raising an :class:`~jwtguard.AuthError`; returning ``None``
    rejects it as ``claim_invalid`` (a valid token for nobody we know).
    """
    if settings.user_resolver is None:
        return TokenUser(token)
    user = settings.user_resolver(token)
    if user is None:
        raise ClaimInvalid(
            "The access token's subject is not a known user",
            detail=f"USER_RESOLVER found no user for sub {token.subject!r}",
        )
    return user


async def aresolve_user(token: AccessToken, settings: GuardSettings) -> Any:
    """:func:`resolve_user` for async code: a resolver (which may query) runs in a thread."""
    if settings.user_resolver is None:
        return TokenUser(token)
    return await sync_to_async(resolve_user)(token, settings)
