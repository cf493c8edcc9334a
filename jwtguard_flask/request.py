"""``FlaskRequestView``: the core's :class:`~jwtguard.request.RequestView` over a Flask request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request


@dataclass(frozen=True, slots=True)
class FlaskRequestView:
    """What jwtguard reads of a Flask (werkzeug) request; it decides nothing itself."""

    request: Request

    @property
    def method(self) -> str:
        return self.request.method

    @property
    def path(self) -> str:
        return self.request.path

    @property
    def client_address(self) -> str | None:
        return self.request.remote_addr

    def header(self, name: str) -> str | None:
        values = self.request.headers.getlist(name)
        return ", ".join(values) if values else None

    def query_values(self, name: str) -> list[str]:
        return self.request.args.getlist(name)

    def form_values(self, name: str) -> list[str]:
        # Keep the body readable by the view (request.get_data()) once the form is parsed.
        self.request.get_data(cache=True)
        return self.request.form.getlist(name)
