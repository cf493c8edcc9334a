"""An in-memory note store (per process; enough for a demo)."""

from __future__ import annotations

import itertools
import threading
from typing import Any


class NoteStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._notes: list[dict[str, Any]] = []

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._notes)

    def add(self, text: str, *, author: str | None) -> dict[str, Any]:
        with self._lock:
            note = {"id": next(self._ids), "text": text, "author": author}
            self._notes.append(note)
            return note


notes = NoteStore()
