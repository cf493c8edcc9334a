"""Remote keys bounded in time and quiet about secrets (issue 11 §4), against real misbehaving
servers on 127.0.0.1: headers dripped byte by byte, garbage status lines, bodies cut short,
credentials in the URL, HMAC secrets published in a JWK Set."""

from __future__ import annotations

import base64
import datetime
import io
import ipaddress
import json
import logging
import os
import ssl
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from jwtguard import (
    AuthError,
    ConfigurationError,
    GuardConfig,
    KeySourceUnavailable,
    SimpleRequest,
    Validator,
    render_error,
)
from jwtguard.audit import log_rejection
from jwtguard.keys.http import FetchError, fetch_json
from jwtguard.testing import SigningKey, generate_key
from jwtguard.tools.cli import main
from tests.raw_http import answer, drip, raw_server, send
from tests.servers import RecordingServer, Route, eventually, recording_server

AUDIENCE = "api://notes"
TIMEOUT = 1.0
SLACK = 0.75  # thread start-up and a busy test machine; the old code took minutes
PASSWORD = "pw-5ecret-4711"
QUERY_SECRET = "qs-5ecret-0815"


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_key("ES256", kid="k1")


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="jwtguard")
    return caplog


def remote_config(url: str, **settings: Any) -> GuardConfig:
    return GuardConfig.from_mapping(
        {
            "JWKS_URL": url,
            "ALGORITHMS": ["ES256"],
            "AUDIENCE": AUDIENCE,
            "HTTP_TIMEOUT": TIMEOUT,
            **settings,
        }
    )


def code_of(check: Validator, jwt: str) -> str | None:
    try:
        check.validate(jwt)
    except AuthError as error:
        return error.code
    return None


def assert_no_traceback(logs: pytest.LogCaptureFixture) -> None:
    assert not [record for record in logs.records if record.exc_info], "a traceback was logged"
    assert "Traceback" not in logs.text


# --- one deadline for the whole exchange -----------------------------------------------------


def test_headers_dripped_byte_by_byte_end_within_http_timeout(
    key: SigningKey, logs: pytest.LogCaptureFixture
) -> None:
    with raw_server(drip(answer(key.jwks()), interval=0.5)) as server:
        check = Validator(remote_config(server.url + "/jwks.json"))
        started = time.monotonic()
        with pytest.raises(KeySourceUnavailable) as caught:
            check.validate(key.token(aud=AUDIENCE))
        elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + SLACK, f"the refresh took {elapsed:.1f} s"
    assert "did not answer within HTTP_TIMEOUT" in caught.value.detail
    response = render_error(caught.value, check.config)
    assert (response.status, response.code) == (503, "key_source_unavailable")
    [failure] = [r for r in logs.records if r.levelno >= logging.WARNING]
    assert "cannot fetch keys from" in failure.getMessage()
    assert_no_traceback(logs)


def test_fetch_json_bounds_a_slow_body_too(key: SigningKey) -> None:
    body = json.dumps(key.jwks()).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()

    def slow_body(connection: Any, request: bytes) -> None:
        connection.sendall(head)
        drip(body, interval=0.2)(connection, request)

    with raw_server(slow_body) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="did not answer within HTTP_TIMEOUT"):
            fetch_json(server.url + "/jwks.json", timeout=TIMEOUT, max_bytes=65536)
        assert time.monotonic() - started < TIMEOUT + SLACK


def test_a_request_waiting_for_the_fetch_waits_no_longer_than_http_timeout(
    key: SigningKey, logs: pytest.LogCaptureFixture
) -> None:
    results: dict[str, tuple[str | None, float]] = {}
    with raw_server(drip(answer(key.jwks()), interval=0.5)) as server:
        check = Validator(remote_config(server.url + "/jwks.json"))
        jwt = key.token(aud=AUDIENCE)

        def request(name: str) -> None:
            started = time.monotonic()
            code = code_of(check, jwt)
            results[name] = (code, time.monotonic() - started)

        leader = threading.Thread(target=request, args=("leader",))
        leader.start()
        assert eventually(lambda: server.connections >= 1, timeout=5, interval=0.01)
        waiter = threading.Thread(target=request, args=("waiter",))
        waiter.start()
        leader.join(10)
        waiter.join(10)
        assert server.connections == 1, "the waiting request did not start a fetch of its own"
    assert set(results) == {"leader", "waiter"}, f"still waiting: {results}"
    for name, (code, elapsed) in results.items():
        assert code == "key_source_unavailable", name
        assert elapsed < TIMEOUT + SLACK, f"the {name} waited {elapsed:.1f} s"
    assert_no_traceback(logs)


def test_discovery_shares_one_deadline_between_metadata_and_keys(
    server: RecordingServer, key: SigningKey
) -> None:
    # Each answer alone comes within HTTP_TIMEOUT; both together do not.
    issuer = server.url + "/t"
    metadata = json.dumps({"issuer": issuer, "jwks_uri": server.url + "/t/keys"}).encode()
    server.serve("/t/.well-known/openid-configuration", Route(200, metadata, delay=0.9))
    server.serve("/t/keys", Route(200, json.dumps(key.jwks()).encode(), delay=0.9))
    config = GuardConfig(issuer=issuer, algorithms=["ES256"], audience=AUDIENCE, http_timeout=1.5)
    started = time.monotonic()
    with pytest.raises(KeySourceUnavailable) as caught:
        Validator(config).validate(key.token(aud=AUDIENCE, iss=issuer))
    assert time.monotonic() - started < 1.5 + SLACK
    assert "/t/keys did not answer within HTTP_TIMEOUT" in caught.value.detail


def test_a_fast_discovery_still_works_within_the_shared_deadline(
    server: RecordingServer, key: SigningKey
) -> None:
    issuer = server.url + "/t"
    metadata = json.dumps({"issuer": issuer, "jwks_uri": server.url + "/t/keys"}).encode()
    server.serve("/t/.well-known/openid-configuration", Route(200, metadata, delay=0.3))
    server.serve("/t/keys", Route(200, json.dumps(key.jwks()).encode(), delay=0.3))
    config = GuardConfig(issuer=issuer, algorithms=["ES256"], audience=AUDIENCE, http_timeout=1.5)
    assert code_of(Validator(config), key.token(aud=AUDIENCE, iss=issuer)) is None


def test_metadata_that_takes_the_whole_deadline_leaves_none_for_the_fallback(
    server: RecordingServer, key: SigningKey
) -> None:
    issuer = server.url + "/t"
    metadata = json.dumps({"issuer": issuer, "jwks_uri": server.url + "/t/keys"}).encode()
    server.serve("/t/.well-known/openid-configuration", Route(200, metadata, delay=3))
    config = GuardConfig(issuer=issuer, algorithms=["ES256"], http_timeout=TIMEOUT)
    started = time.monotonic()
    with pytest.raises(KeySourceUnavailable) as caught:
        Validator(config).validate(key.token(iss=issuer))
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert "openid-configuration did not answer within HTTP_TIMEOUT" in caught.value.detail
    assert "oauth-authorization-server/t was not fetched: no time left" in caught.value.detail
    assert server.hits("/.well-known/oauth-authorization-server/t") == 0


# --- over TLS: the TLS socket is the one shut down at the deadline --------------------------


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and its key."""
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls(tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server-side TLS context whose certificate the client trusts (``SSL_CERT_FILE``)."""
    cert_file, key_file = tls_files
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def test_https_keys_are_fetched(key: SigningKey, tls: ssl.SSLContext) -> None:
    with raw_server(send(answer(key.jwks())), tls=tls) as server:
        assert server.url.startswith("https://localhost:")
        check = Validator(remote_config(server.url + "/jwks.json"))
        assert code_of(check, key.token(aud=AUDIENCE)) is None


def test_https_headers_dripped_end_within_http_timeout(
    key: SigningKey, tls: ssl.SSLContext, logs: pytest.LogCaptureFixture
) -> None:
    with raw_server(drip(answer(key.jwks()), interval=0.3), tls=tls) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="did not answer within HTTP_TIMEOUT"):
            fetch_json(server.url + "/jwks.json", timeout=TIMEOUT, max_bytes=65536)
        assert time.monotonic() - started < TIMEOUT + SLACK
        # The worker gave up too: its shut-down TLS socket let the blocked read return.
        assert eventually(
            lambda: not any(t.name == "jwtguard-fetch" for t in threading.enumerate()),
            timeout=2,
            interval=0.05,
        )


def test_a_tls_handshake_that_never_comes_ends_within_http_timeout() -> None:
    # A plain TCP server waiting for a request head: it never answers the ClientHello.
    with raw_server(send(b"")) as plain:
        url = plain.url.replace("http://127.0.0.1", "https://localhost") + "/jwks.json"
        started = time.monotonic()
        with pytest.raises(FetchError):
            fetch_json(url, timeout=TIMEOUT, max_bytes=65536)
        assert time.monotonic() - started < TIMEOUT + SLACK


def test_an_untrusted_certificate_is_a_clean_failure(
    key: SigningKey, tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    with (
        raw_server(send(answer(key.jwks())), tls=tls) as server,
        pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED"),
    ):
        fetch_json(server.url + "/jwks.json", timeout=TIMEOUT, max_bytes=65536)


# --- every transport failure is one clean FetchError ----------------------------------------


def _cut_short(document: Any) -> bytes:
    """A complete JSON document, but 100 bytes fewer than its Content-Length promises."""
    body = json.dumps(document).encode()
    return f"HTTP/1.1 200 OK\r\nContent-Length: {len(body) + 100}\r\n\r\n".encode() + body


BROKEN = {
    "garbage status line": b"garbage\r\n\r\n",
    "status out of range": b"HTTP/1.1 99999 OK\r\nContent-Length: 2\r\n\r\n{}",
    "header line too long": b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\n\r\n{}",
    "too many headers": b"HTTP/1.1 200 OK\r\n" + b"X-H: 1\r\n" * 101 + b"\r\n{}",
    "bad chunk size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}",
    "closed without answering": b"",
}  # fmt: skip


@pytest.mark.parametrize("failure", [*BROKEN, "closed mid-body"])
def test_every_transport_failure_is_a_clean_503(
    key: SigningKey, logs: pytest.LogCaptureFixture, failure: str
) -> None:
    data = _cut_short(key.jwks()) if failure == "closed mid-body" else BROKEN[failure]
    with raw_server(send(data)) as server:
        url = server.url + "/jwks.json"
        with pytest.raises(FetchError) as direct:
            fetch_json(url, timeout=TIMEOUT, max_bytes=65536)
        assert "\n" not in str(direct.value)
        assert len(str(direct.value)) < 300
        check = Validator(remote_config(url))
        with pytest.raises(KeySourceUnavailable) as caught:
            check.validate(key.token(aud=AUDIENCE))
    response = render_error(caught.value, check.config)
    assert (response.status, response.code) == (503, "key_source_unavailable")
    [failure_log] = [r for r in logs.records if r.levelno >= logging.WARNING]
    assert failure_log.getMessage().count("\n") == 0
    assert_no_traceback(logs)


# --- credentials in the URL: used, never shown -----------------------------------------------


def _with_credentials(server_url: str, path: str = "/jwks.json") -> str:
    host = server_url.removeprefix("http://")
    return f"http://alice:{PASSWORD}@{host}{path}?api_key={QUERY_SECRET}&v=2"


def _assert_quiet(text: str) -> None:
    assert PASSWORD not in text
    assert QUERY_SECRET not in text


def test_credentials_in_jwks_url_are_used_but_never_logged(
    key: SigningKey, logs: pytest.LogCaptureFixture
) -> None:
    with raw_server(send(answer(key.jwks()))) as server:
        check = Validator(remote_config(_with_credentials(server.url)))
        assert code_of(check, key.token(aud=AUDIENCE)) is None
        [head] = server.requests
    request_line, *header_lines = head.decode().split("\r\n")
    assert request_line == f"GET /jwks.json?api_key={QUERY_SECRET}&v=2 HTTP/1.1"
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    assert f"Authorization: Basic {basic}" in header_lines
    messages = [record.getMessage() for record in logs.records]
    assert any("http://***@127.0.0.1" in m and "api_key=***&v=***" in m for m in messages)
    _assert_quiet("\n".join(messages))
    _assert_quiet(repr(check.config))


def test_credentials_stay_out_of_errors_audit_and_logs(
    key: SigningKey, logs: pytest.LogCaptureFixture
) -> None:
    with raw_server(send(b"HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n")) as server:
        check = Validator(remote_config(_with_credentials(server.url)))
        request = SimpleRequest(headers={"Authorization": f"Bearer {key.token(aud=AUDIENCE)}"})
        with pytest.raises(KeySourceUnavailable) as caught:
            check.authenticate(request)
    assert "answered HTTP 500" in caught.value.detail
    assert "http://***@127.0.0.1" in caught.value.detail
    _assert_quiet(caught.value.detail)
    record = log_rejection(caught.value, request, check.config)
    _assert_quiet(json.dumps(record))
    assert [r for r in logs.records if r.name == "jwtguard.audit"]
    for record_ in logs.records:
        _assert_quiet(record_.getMessage())
        _assert_quiet(json.dumps(getattr(record_, "detail", "")))


def test_credentials_stay_out_of_discovery_errors(
    server: RecordingServer, key: SigningKey, logs: pytest.LogCaptureFixture
) -> None:
    issuer = "https://login.example.com/tenant"
    keys_url = _with_credentials(server.url, "/keys")
    server.serve_json(f"/meta?api_key={QUERY_SECRET}&v=2", {"issuer": issuer, "jwks_uri": keys_url})
    server.serve(f"/keys?api_key={QUERY_SECRET}&v=2", Route(503, b"{}"))
    config = GuardConfig(
        issuer=issuer,
        openid_configuration_url=_with_credentials(server.url, "/meta"),
        algorithms=["ES256"],
        audience=AUDIENCE,
    )
    with pytest.raises(KeySourceUnavailable) as caught:
        Validator(config).validate(key.token(aud=AUDIENCE, iss=issuer))
    assert server.hits(f"/keys?api_key={QUERY_SECRET}&v=2") == 1, "the real URL was fetched"
    assert "/keys?api_key=***&v=*** answered HTTP 503" in caught.value.detail
    _assert_quiet(caught.value.detail)
    _assert_quiet(logs.text)
    _assert_quiet(repr(config))


def test_a_query_secret_stays_out_of_http_client_messages() -> None:
    # http.client refuses a URL with a space, quoting the URL (and its secret) in its message.
    url = f"http://127.0.0.1:9/jwks?api_key={QUERY_SECRET} x"
    with pytest.raises(FetchError) as caught:
        fetch_json(url, timeout=TIMEOUT, max_bytes=65536)
    assert str(caught.value) == (
        "http://127.0.0.1:9/jwks?api_key=*** could not be fetched: the request could not be "
        "made (InvalidURL)"
    )


def test_credentials_stay_out_of_a_refused_discovered_jwks_uri(
    server: RecordingServer, key: SigningKey
) -> None:
    issuer = server.url + "/t"
    jwks_uri = f"http://bob:{PASSWORD}@idp.example.com/keys?token={QUERY_SECRET}"
    server.serve_json(
        "/t/.well-known/openid-configuration", {"issuer": issuer, "jwks_uri": jwks_uri}
    )
    config = GuardConfig(issuer=issuer, algorithms=["ES256"])
    with pytest.raises(KeySourceUnavailable) as caught:
        Validator(config).validate(key.token(iss=issuer))
    assert "(http://***@idp.example.com/keys?token=***) must use https" in caught.value.detail
    _assert_quiet(caught.value.detail)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            f"ftp://u:{PASSWORD}@idp/k?s={QUERY_SECRET}",
            "ftp://***@idp/k?s=*** must be an https URL",
        ),
        (f"https://u:{PASSWORD}@idp:port/k", "<an unparsable URL> is not a URL"),
    ],
)
def test_credentials_stay_out_of_refused_urls(url: str, message: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetch_json(url, timeout=TIMEOUT, max_bytes=65536)
    assert str(caught.value) == message


def test_a_success_status_other_than_200_is_a_failure(key: SigningKey) -> None:
    with (
        raw_server(send(answer(key.jwks(), status="203 Non-Authoritative"))) as server,
        pytest.raises(FetchError, match="answered HTTP 203"),
    ):
        fetch_json(server.url + "/jwks.json", timeout=TIMEOUT, max_bytes=65536)


def test_credentials_stay_out_of_configuration_problems() -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_mapping(
            {
                "ALGORITHMS": ["ES256"],
                "JWKS_URL": f"http://alice:{PASSWORD}@idp.example.com/jwks?api_key={QUERY_SECRET}",
            }
        )
    text = str(caught.value)
    assert "JWKS_URL must use https" in text
    assert "http://***@idp.example.com/jwks?api_key=***" in text
    _assert_quiet(text)


def test_credentials_stay_out_of_explain(
    key: SigningKey, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in os.environ if name.startswith("JWTGUARD_")]:
        monkeypatch.delenv(name)
    with raw_server(send(b"garbage\r\n\r\n")) as server:
        argv = ["explain", key.token(aud=AUDIENCE), "--jwks-url", _with_credentials(server.url)]
        argv += ["--algorithms", "ES256", "--audience", AUDIENCE]
        for output in ([], ["--json"]):
            status = main([*argv, *output], stdin=io.StringIO(""))
            captured = capsys.readouterr()
            text = captured.out + captured.err
            assert status == 1
            assert "key_source_unavailable" in text
            assert "http://***@127.0.0.1" in text
            _assert_quiet(text)


# --- a JWK Set from a URL is public: no HMAC secrets in it ----------------------------------


def test_an_hmac_key_in_a_fetched_jwks_is_refused(
    key: SigningKey, logs: pytest.LogCaptureFixture
) -> None:
    hmac_key = generate_key("HS256", kid="hs")
    with raw_server(send(answer(key.jwks(hmac_key)))) as server:
        check = Validator(remote_config(server.url + "/jwks.json", ALGORITHMS=["ES256", "HS256"]))
        assert code_of(check, key.token(aud=AUDIENCE)) is None
        forged = hmac_key.token(aud=AUDIENCE)
        with pytest.raises(AuthError) as caught:
            check.validate(forged)
    assert (caught.value.status, caught.value.code) == (401, "unknown_key")
    warnings = [r.getMessage() for r in logs.records if r.levelno == logging.WARNING]
    assert any(
        "kid 'hs'" in m and "an HMAC secret in a JWK Set fetched from a URL is public; ignored" in m
        for m in warnings
    ), warnings
    secret = hmac_key.public_jwk()["k"]
    assert secret not in logs.text


def test_an_hmac_key_in_a_static_jwks_is_still_accepted() -> None:
    hmac_key = generate_key("HS256", kid="hs")
    check = Validator(GuardConfig(jwks=hmac_key.jwks(), algorithms=["HS256"], audience=AUDIENCE))
    assert code_of(check, hmac_key.token(aud=AUDIENCE)) is None


def test_a_key_without_kid_in_a_fetched_jwks_is_ignored(
    key: SigningKey, logs: pytest.LogCaptureFixture
) -> None:
    anonymous = generate_key("ES256", kid=None)
    with raw_server(send(answer(key.jwks(anonymous)))) as server:
        check = Validator(remote_config(server.url + "/jwks.json"))
        assert code_of(check, key.token(aud=AUDIENCE)) is None
        # Before, a kid the set does not know fell back to its keys without kid.
        other_kid = anonymous.token(aud=AUDIENCE, header={"alg": "ES256", "kid": "other"})
        assert code_of(check, other_kid) == "unknown_key"
    assert "a key without kid in a JWK Set fetched from a URL is never selected" in logs.text
