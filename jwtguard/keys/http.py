"""Fetching small JSON documents (JWK Sets, OpenID metadata) safely, with the standard library.

- Bounded in time: one deadline (``HTTP_TIMEOUT``) covers the whole exchange, from name
  resolution and connecting through the status line and headers to the last byte of the body.
  The exchange runs in a worker thread; the caller waits for it until the deadline and no longer,
  then shuts the connection's socket down, so a read blocked on a server that drips its answer
  byte by byte returns at once. Several exchanges can share one deadline (discovery).
- Bounded in threads: a worker blocked in name resolution (``getaddrinfo``, which no socket
  shutdown interrupts) outlives the deadline. The exchanges of one fetcher run in one
  :class:`FetchLane`, which starts no exchange while the previous one's worker is still busy:
  the fetch then fails at once ("the previous fetch of ... has not finished"), so a hanging
  resolver leaves at most one worker behind per fetcher, however often keys are refreshed.
- Bounded in size: the body is read up to a limit, never further.
- One failure type: anything but a ``200`` carrying a JSON object, and every transport error
  (``OSError``, ``http.client.HTTPException`` such as ``BadStatusLine``), is a
  :class:`FetchError` whose message is one line.
- Quiet about secrets: credentials in a URL (``https://user:pass@host/...``, ``?api_key=...``)
  are sent (userinfo as HTTP Basic authentication) but never shown: every message names the URL
  as :func:`~jwtguard.urls.redact_url` shows it.

- Per key source (:class:`Transport`): the TLS context (the CAs trusted, a client certificate),
  extra request headers (never shown either), and a proxy reached with ``CONNECT`` (the TLS
  session stays end to end). Without them: the system's CAs (and ``SSL_CERT_FILE``), and the
  proxies of the environment (``HTTPS_PROXY``, ``NO_PROXY``).

Only URLs :func:`~jwtguard.urls.url_problem` accepts are fetched (https, or http to loopback);
redirects are failures (keys come from exactly the configured URL).
"""

from __future__ import annotations

import base64
import http.client
import json
import re
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from ..urls import redact_url, url_problem
from . import forks

USER_AGENT = "jwtguard"
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.I)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)", re.I)
_REASON_LIMIT = 200


class FetchError(Exception):
    """A document could not be fetched or was not a JSON object; ``str()`` says why."""


@dataclass(frozen=True)
class Fetched:
    """A fetched JSON object and how long its server says it may be cached (``None``: unsaid)."""

    document: dict[str, Any]
    max_age: float | None
    elapsed: float


@dataclass(frozen=True)
class Proxy:
    """An HTTP proxy that tunnels with ``CONNECT``: ``http://[user:password@]host[:port]``."""

    host: str
    port: int
    shown: str  # the URL as logs may show it
    authorization: str | None = field(default=None, repr=False)  # Proxy-Authorization

    @classmethod
    def parse(cls, url: str) -> Proxy:
        """The proxy ``url`` names; ``ValueError`` (never showing the password) if none."""
        shown = redact_url(url)
        try:
            parts = urlsplit(url)
            port = parts.port or 80
        except ValueError:
            raise ValueError(f"{shown} is not a proxy URL") from None
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(
                f"{shown} is not an http:// proxy URL such as http://proxy.internal:3128 (the "
                "proxy tunnels with CONNECT: TLS runs end to end inside it)"
            )
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(f"{shown}: a proxy URL has no path, query or fragment")
        authorization = None
        if parts.username is not None:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            authorization = "Basic " + base64.b64encode(pair).decode("ascii")
        return cls(parts.hostname, port, shown, authorization)


@dataclass(frozen=True)
class Transport:
    """How one key source's documents are fetched, beyond the URL.

    ``context``: the TLS context (``None``: the default one, trusting the system's CAs and
    ``SSL_CERT_FILE``); ``headers``: sent with every request of the key source (never shown);
    ``proxy``: tunnel through it (``None``: the environment's proxies, if any).
    """

    context: ssl.SSLContext | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    proxy: Proxy | None = None


DEFAULT_TRANSPORT = Transport()


def tls_context(
    ca_file: str | None = None, cert_file: str | None = None, key_file: str | None = None
) -> ssl.SSLContext | None:
    """A client TLS context trusting the CAs of ``ca_file`` (instead of the system's), and
    presenting the certificate of ``cert_file`` (its key in ``key_file``, or in the same file,
    unencrypted); ``None`` when nothing is given. Raises ``OSError``, ``ssl.SSLError`` or
    ``ValueError`` (an encrypted key) for unusable files."""
    if ca_file is None and cert_file is None:
        return None
    context = ssl.create_default_context(cafile=ca_file)
    if cert_file is not None:  # never OpenSSL's pass phrase prompt on the terminal
        context.load_cert_chain(cert_file, key_file, password=_no_pass_phrase)
    return context


def _no_pass_phrase() -> str:
    raise ValueError(
        "the private key is encrypted: give an unencrypted key file, or an ssl.SSLContext "
        "(HTTP_SSL_CONTEXT) with the key loaded"
    )


class FetchLane:
    """The exchanges of one fetcher, one worker at a time.

    A worker that outlives its deadline (blocked resolving a host name) keeps the lane busy until
    it ends; meanwhile every exchange started in the lane fails at once instead of starting
    another worker.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: _Exchange | None = None
        forks.reset_in_child(self)

    def reset_after_fork(self) -> None:
        """In a forked child: the worker of a fetch in flight does not exist there."""
        self._lock = threading.Lock()
        self._latest = None

    def start(self, exchange: _Exchange, worker: threading.Thread) -> None:
        """Start ``worker`` for ``exchange``, or raise :class:`FetchError` while the previous
        exchange's worker is still busy."""
        with self._lock:
            latest = self._latest
            if latest is not None and not latest.finished:
                raise FetchError(
                    f"the previous fetch of {latest.shown} has not finished (its worker is "
                    "still blocked past HTTP_TIMEOUT, e.g. resolving the host name); no new "
                    "fetch starts until it does"
                )
            self._latest = exchange
            worker.start()


def fetch_json(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    deadline: float | None = None,
    lane: FetchLane | None = None,
    transport: Transport = DEFAULT_TRANSPORT,
) -> Fetched:
    """GET ``url`` and return its JSON object, or raise :class:`FetchError`.

    The whole exchange ends within ``timeout`` seconds, and by ``deadline`` (a
    ``time.monotonic()`` value) when one is given for several exchanges together. ``lane``: the
    fetcher's :class:`FetchLane` (by default the exchange has a lane of its own); ``transport``:
    the key source's TLS context, headers and proxy.
    """
    shown = redact_url(url)
    problem = url_problem(url)
    if problem is not None:
        raise FetchError(f"{shown} {problem}")
    started = time.monotonic()
    ends = started + timeout if deadline is None else min(deadline, started + timeout)
    exchange = _Exchange(url, shown, ends, transport)
    status, cache_control, body = exchange.run(lane or FetchLane(), max_bytes + 1)
    elapsed = time.monotonic() - started
    if status != 200:
        raise FetchError(f"{shown} answered HTTP {status}")
    if len(body) > max_bytes:
        raise FetchError(f"{shown} sent more than {max_bytes} bytes")
    try:
        document = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise FetchError(f"{shown} did not send JSON") from None
    if not isinstance(document, dict):
        raise FetchError(f"{shown} did not send a JSON object")
    return Fetched(document, _max_age(cache_control), elapsed)


_Answer = tuple[int, str, bytes]  # status, Cache-Control, body


class _Exchange:
    """One GET under one deadline, run in a worker thread the caller waits for until then."""

    def __init__(self, url: str, shown: str, deadline: float, transport: Transport) -> None:
        self.url = url
        self.shown = shown
        self.transport = transport
        self.deadline = deadline
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._expired = False
        self._done = threading.Event()
        self._outcome: _Answer | BaseException | None = None

    @property
    def finished(self) -> bool:
        """Whether the worker is done (it does nothing more once this is true)."""
        return self._done.is_set()

    def run(self, lane: FetchLane, limit: int) -> _Answer:
        """The answer, or :class:`FetchError`; returns or raises by the deadline."""
        if self.deadline <= time.monotonic():
            raise FetchError(f"{self.shown} was not fetched: no time left within HTTP_TIMEOUT")
        worker = threading.Thread(
            target=self._work, args=(limit,), name="jwtguard-fetch", daemon=True
        )
        lane.start(self, worker)
        if not self._done.wait(max(0.0, self.deadline - time.monotonic())):
            self._expire()
            raise FetchError(f"{self.shown} did not answer within HTTP_TIMEOUT")
        outcome = self._outcome
        if isinstance(outcome, BaseException):
            raise outcome
        assert outcome is not None  # noqa: S101 - set before _done
        return outcome

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the deadline passed")
        return left

    def open_socket(
        self, address: tuple[str, int], timeout: Any = None, source: Any = None
    ) -> socket.socket:
        """``socket.create_connection`` bounded by the deadline, watched until it ends."""
        sock = socket.create_connection(address, self.remaining(), source)
        self.watch(sock)
        return sock

    def watch(self, sock: socket.socket) -> None:
        """Shut ``sock`` down when the deadline passes; if it already has (a worker that was
        blocked resolving the host name), close it at once."""
        with self._lock:
            self._sockets.append(sock)
            expired = self._expired
        if expired:
            _shut_down(sock)
            sock.close()
            raise TimeoutError("the deadline passed")

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut_down(sock)

    def _work(self, limit: int) -> None:
        try:
            self._outcome = self._get(limit)
        except BaseException as error:  # handed to the caller, which raises it
            self._outcome = error
        finally:
            self._done.set()

    def _get(self, limit: int) -> _Answer:
        parts = urlsplit(self.url)
        headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
        headers.update(self.transport.headers)
        target = self.url
        if "@" in parts.netloc:  # userinfo: sent as HTTP Basic authentication, never in the URL
            userinfo, _, host = parts.netloc.rpartition("@")
            user, _, password = userinfo.partition(":")
            pair = f"{unquote(user)}:{unquote(password)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
            target = urlunsplit(parts._replace(netloc=host))
        handlers: list[urllib.request.BaseHandler] = [
            _NoRedirects(),
            _WatchedHTTPHandler(self),
            _WatchedHTTPSHandler(self),
        ]
        if self.transport.proxy is not None:  # this proxy, not the environment's
            handlers.append(urllib.request.ProxyHandler({}))
        opener = urllib.request.build_opener(*handlers)
        request = urllib.request.Request(target, headers=headers)  # noqa: S310 - scheme checked
        try:
            with opener.open(request, timeout=self.remaining()) as response:
                return (
                    response.status,
                    response.headers.get("Cache-Control", ""),
                    _read_bounded(response, limit),
                )
        except urllib.error.HTTPError as error:
            error.close()
            raise FetchError(f"{self.shown} answered HTTP {error.code}") from None
        except (OSError, ValueError, http.client.HTTPException) as error:
            proxy = self.transport.proxy
            via = f" through the proxy {proxy.shown}" if proxy is not None else ""
            raise FetchError(f"{self.shown} could not be fetched{via}: {_reason(error)}") from None

    def connection(
        self, kind: type[_WatchedHTTPConnection], host: str, **kwargs: Any
    ) -> http.client.HTTPConnection:
        """A connection to ``host``: direct, or tunnelled through the transport's proxy."""
        if kind is _WatchedHTTPSConnection:
            kwargs["context"] = self.transport.context
        proxy = self.transport.proxy
        if proxy is None:
            return kind(host, exchange=self, **kwargs)
        tunnelled = kind(proxy.host, port=proxy.port, exchange=self, **kwargs)
        auth = {"Proxy-Authorization": proxy.authorization} if proxy.authorization else None
        tunnelled.set_tunnel(host, headers=auth)
        return tunnelled


class _WatchedHTTPConnection(http.client.HTTPConnection):
    """A connection whose sockets its exchange shuts down at the deadline."""

    def __init__(self, host: str, *, exchange: _Exchange, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._exchange = exchange
        self._create_connection = exchange.open_socket

    def connect(self) -> None:
        super().connect()
        self._exchange.watch(self.sock)  # the TLS socket, for https


class _WatchedHTTPSConnection(_WatchedHTTPConnection, http.client.HTTPSConnection):
    pass


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, exchange: _Exchange) -> None:
        super().__init__()
        self._exchange = exchange

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)

    def _connection(self, host: str, **kwargs: Any) -> http.client.HTTPConnection:
        return self._exchange.connection(_WatchedHTTPConnection, host, **kwargs)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, exchange: _Exchange) -> None:
        super().__init__()
        self._exchange = exchange

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)

    def _connection(self, host: str, **kwargs: Any) -> http.client.HTTPConnection:
        return self._exchange.connection(_WatchedHTTPSConnection, host, **kwargs)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Key documents are fetched from exactly the configured URL; a redirect is a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _shut_down(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for a TLS socket: the blocked reader then sees EOF
    # without its TLS state being torn down under it.
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _read_bounded(response: Any, limit: int) -> bytes:
    """Read at most ``limit`` bytes (the deadline is kept by the exchange); a body that ends
    before its ``Content-Length`` is an ``IncompleteRead``, never a shorter document."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = response.read1(min(65536, limit - size))
        if not chunk:
            missing = getattr(response, "length", None)
            if missing:
                raise http.client.IncompleteRead(b"".join(chunks), missing)
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _reason(error: BaseException) -> str:
    """One short line saying why a transport failed: never the server's bytes at length, nor
    the URL (``http.client`` and ``urllib`` put it in some of their messages)."""
    if isinstance(error, urllib.error.URLError):
        error = error.reason if isinstance(error.reason, OSError) else ValueError()
    if isinstance(error, http.client.IncompleteRead):
        return "the connection closed before the end of the body (IncompleteRead)"
    if isinstance(error, OSError):  # socket and TLS errors, RemoteDisconnected
        text = " ".join(str(error).split()) or type(error).__name__
        return text if len(text) <= _REASON_LIMIT else text[:_REASON_LIMIT] + "…"
    if isinstance(error, http.client.HTTPException) and not isinstance(
        error, http.client.InvalidURL
    ):
        return f"an invalid HTTP response ({type(error).__name__})"
    return f"the request could not be made ({type(error).__name__})"


def _max_age(cache_control: str) -> float | None:
    if _NO_CACHE.search(cache_control):
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return float(match.group(1)) if match else None
