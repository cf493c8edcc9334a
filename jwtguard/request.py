"""What the core needs to know about an HTTP request, and the view it is for, whatever the
framework."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode


class RequestView(Protocol):
    """The parts of an HTTP request jwtguard reads; each adapter wraps its request in one.

    Cookies are read from the ``Cookie`` header. A view may also provide
    ``csrf_failure() -> str | None``, its framework's CSRF check (see :mod:`jwtguard.csrf`).
    """

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str:
        """The URL path, for ``EXEMPT_PATHS`` and the audit log."""
        ...

    @property
    def client_address(self) -> str | None:
        """The peer address, for the audit log."""
        ...

    def header(self, name: str) -> str | None:
        """The header's value (repeated headers joined with ``", "``) or ``None``."""
        ...

    def query_values(self, name: str) -> list[str]:
        """Every value of the query parameter ``name``."""
        ...

    def form_values(self, name: str) -> list[str]:
        """Every value of the url-encoded body field ``name`` (only asked for such bodies)."""
        ...


@dataclass(frozen=True)
class SimpleRequest:
    """A plain :class:`RequestView` for tests, the CLI and non-framework callers.

    ``cookies`` are sent as a ``Cookie`` header, and ``form`` is the url-encoded body whose
    ``Content-Length`` the view reports (unless ``headers`` say otherwise).
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, list[str]] = field(default_factory=dict)
    form: Mapping[str, list[str]] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    method: str = "GET"
    path: str = "/"
    client_address: str | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        values = [value for key, value in self.headers.items() if key.lower() == lowered]
        if not values and lowered == "cookie" and self.cookies:
            return "; ".join(f"{key}={value}" for key, value in self.cookies.items())
        if not values and lowered == "content-length" and self.form:
            return str(len(urlencode(self.form, doseq=True)))
        return ", ".join(values) if values else None

    def query_values(self, name: str) -> list[str]:
        return list(self.query.get(name, ()))

    def form_values(self, name: str) -> list[str]:
        return list(self.form.get(name, ()))


class RouteView(Protocol):
    """What an adapter that protects many views at once knows of the view a request is for.

    Read only when it can change the answer (a request without a token, or scopes to check), so
    an adapter may look the view up lazily.
    """

    @property
    def exempt(self) -> bool:
        """Whether the view is marked exempt (``@jwt_exempt``)."""
        ...

    @property
    def answered_without_view(self) -> bool:
        """Whether the framework answers this request itself without running a view (Flask's
        automatic ``OPTIONS`` response)."""
        ...


@dataclass(frozen=True, slots=True)
class Route:
    """A :class:`RouteView` of known facts."""

    exempt: bool = False
    answered_without_view: bool = False
