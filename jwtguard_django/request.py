"""``DjangoRequest``: Django's ``HttpRequest`` seen through the core's ``RequestView``."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest, QueryDict

from .csrf import csrf_failure


class DjangoRequest:
    """A :class:`jwtguard.RequestView` over a Django ``HttpRequest``.

    It only reads, except for :meth:`csrf_failure`, which runs Django's CSRF check and leaves on
    the request what ``CsrfViewMiddleware`` would (the CSRF cookie value, its verdict).
    """

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
        request = self._request
        if request.method == "POST":
            return request.POST.getlist(name)
        # Django parses url-encoded bodies of POST only; RFC 6750 §2.2 allows any method with
        # a body, so PUT, PATCH, DELETE... are parsed here (the core asks only for such bodies).
        return QueryDict(request.body, encoding=request.encoding).getlist(name)

    def csrf_failure(self) -> str | None:
        """Django's CSRF verdict (for a token sent in a cookie): the reason, or ``None``."""
        return csrf_failure(self._request)

    async def acsrf_failure(self) -> str | None:
        """:meth:`csrf_failure` for async stacks (with ``CSRF_USE_SESSIONS`` it loads the
        session, which may query the database)."""
        return await sync_to_async(csrf_failure)(self._request)
