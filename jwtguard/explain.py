"""Deprecated: ``jwtguard.explain`` is now :mod:`jwtguard.tools.explain`; import from there."""

from __future__ import annotations

import warnings

from .tools.explain import Check, Explanation, Status, explain, request_for

__all__ = ["Check", "Explanation", "Status", "explain", "request_for"]

warnings.warn(
    "jwtguard.explain is deprecated; import explain from jwtguard.tools.explain",
    DeprecationWarning,
    stacklevel=2,
)
