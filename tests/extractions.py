"""Counting how often jwtguard looks for the token in a request: once per request, whatever
entry points (middleware, decorators, DRF classes, error handlers, the audit record) it meets."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from jwtguard import extract


def count_extractions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Wrap ``extract_token`` wherever a loaded module holds it; the list grows by the path
    of each request searched."""
    calls: list[str] = []
    original = extract.extract_token

    def counting(request: Any, config: Any) -> Any:
        calls.append(request.path)
        return original(request, config)

    for module in list(sys.modules.values()):
        if vars(module).get("extract_token") is original:  # not a deprecated alias's __getattr__
            monkeypatch.setattr(module, "extract_token", counting)
    return calls
