"""``DjangoRequest``: Django's ``HttpRequest`` seen through the core's ``RequestView``."""

from __future__ import annotations

from django.http import HttpRequest

from .csrf import csrf_failure


class DjangoRequest:
    """A :class:`jwtguard.RequestView` over a Django ``HttpRequest`` (reads, never mutates)."""

    __slots__ = ("_request",)

    def __init__(self, request: HttpRequest) -> None:
        self._request = request

    @property
    def http_request(self) -> HttpRequest:
        """The Django request this view reads."""
        return self._request

    @property
    def method(self) -> str:
        return self._request.method or "GET"

    @property
    def path(self) -> str:
        """``path_info``: the path the URLconf sees (without ``SCRIPT_NAME``), as in ``urls.py``."""
        return self._request.path_info

    @property
    def client_address(self) -> str | None:
        address = self._request.META.get("REMOTE_ADDR")
        return address if isinstance(address, str) and address else None

    def header(self, name: str) -> str | None:
        return self._request.headers.get(name)

    def query_values(self, name: str) -> list[str]:
        return self._request.GET.getlist(name)

    def form_values(self, name: str) -> list[str]:
        return self._request.POST.getlist(name)

    def csrf_failure(self) -> str | None:
        """Django's CSRF verdict (for a token sent in a cookie): the reason, or ``None``."""
        return csrf_failure(self._request)
