"""The setups a Django view is served in: without ``JWTGuardMiddleware``, or behind it, enforcing
or annotating. A DRF view must answer the same in all of them, ``@jwt_required`` the same without
the middleware and behind an annotating one."""

from __future__ import annotations

from typing import Any

from django.test import override_settings

STACKS = ("without middleware", "enforcing middleware", "annotating middleware")
DRF_STACKS = STACKS


def stack(name: str, jwtguard_setting: dict[str, object]) -> override_settings:
    """The settings of the setup ``name`` (one of :data:`STACKS`)."""
    if name == "without middleware":
        return override_settings(MIDDLEWARE=[])
    if name == "annotating middleware":
        return override_settings(JWTGUARD={**jwtguard_setting, "MODE": "annotate"})
    assert name == "enforcing middleware", name
    return override_settings()


drf_stack = stack


def wire(response: Any) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
    """Everything a client receives: status, every header, the body's bytes."""
    return response.status_code, tuple(sorted(response.headers.items())), response.content
