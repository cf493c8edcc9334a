"""How keys are fetched from a provider behind a private CA, mutual TLS, a proxy, or needing
headers (#14 §5): the ``HTTP_*`` settings, against real HTTPS servers on 127.0.0.1 with a CA the
test makes, and a real CONNECT proxy."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jwtguard import ConfigurationError, GuardConfig, KeySourceUnavailable, Validator
from jwtguard.testing import SigningKey, generate_key
from tests.servers import RecordingServer, Route, recording_server
from tests.tls import PrivateCA, connect_proxy

AUDIENCE = "api://notes"
SECRET_HEADER = "hdr-s3cret-4711"
PROXY_PASSWORD = "proxy-pw-0815"


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_key("ES256", kid="tls-1")


@pytest.fixture
def ca(tmp_path: Path) -> PrivateCA:
    return PrivateCA(tmp_path)


def https_server(context: ssl.SSLContext) -> Iterator[RecordingServer]:
    server = RecordingServer(tls=context).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def idp(ca: PrivateCA) -> Iterator[RecordingServer]:
    """An identity provider over HTTPS with a certificate of the private CA."""
    yield from https_server(ca.server_context())


@pytest.fixture
def mtls_idp(ca: PrivateCA) -> Iterator[RecordingServer]:
    """The same, demanding a client certificate of the private CA (mutual TLS)."""
    yield from https_server(ca.server_context(client_certificates=True))


def validator(server: RecordingServer, key: SigningKey, **settings: Any) -> Validator:
    server.serve_json("/jwks.json", key.jwks())
    config = GuardConfig.from_mapping(
        {"JWKS_URL": server.url + "/jwks.json", "ALGORITHMS": ["ES256"], **settings}
    )
    return Validator(config)


def accepted(check: Validator, key: SigningKey) -> bool:
    return check.validate(key.token(sub="alice")).subject == "alice"


def unavailable(check: Validator, key: SigningKey) -> KeySourceUnavailable:
    with pytest.raises(KeySourceUnavailable) as caught:
        check.validate(key.token(sub="alice"))
    return caught.value


# --- a private CA --------------------------------------------------------------------------


def test_a_provider_behind_a_private_ca_needs_its_ca_file(
    idp: RecordingServer, ca: PrivateCA, key: SigningKey
) -> None:
    refused = unavailable(validator(idp, key), key)
    assert "CERTIFICATE_VERIFY_FAILED" in refused.detail, "the system's CAs do not know it"
    assert idp.hits("/jwks.json") == 0
    assert accepted(validator(idp, key, HTTP_CA_FILE=str(ca.ca_file)), key)
    assert idp.hits("/jwks.json") == 1


def test_the_ca_file_serves_discovery_too(
    idp: RecordingServer, ca: PrivateCA, key: SigningKey
) -> None:
    issuer = idp.url + "/realm"
    idp.serve_json(
        "/realm/.well-known/openid-configuration",
        {"issuer": issuer, "jwks_uri": idp.url + "/realm/keys"},
    )
    idp.serve_json("/realm/keys", key.jwks())
    config = GuardConfig(
        issuer=issuer, algorithms=["ES256"], audience=AUDIENCE, http_ca_file=str(ca.ca_file)
    )
    token = key.token(sub="alice", iss=issuer, aud=AUDIENCE)
    assert Validator(config).validate(token).subject == "alice"
    assert (idp.hits("/realm/.well-known/openid-configuration"), idp.hits("/realm/keys")) == (1, 1)


def test_the_ca_file_is_trusted_instead_of_the_systems(
    idp: RecordingServer, tmp_path: Path, key: SigningKey
) -> None:
    other = PrivateCA(tmp_path, name="another CA")
    refused = unavailable(validator(idp, key, HTTP_CA_FILE=str(other.ca_file)), key)
    assert "CERTIFICATE_VERIFY_FAILED" in refused.detail


def test_an_ssl_context_in_python_settings(
    idp: RecordingServer, ca: PrivateCA, key: SigningKey
) -> None:
    context = ssl.create_default_context(cafile=ca.ca_file)
    assert accepted(validator(idp, key, HTTP_SSL_CONTEXT=context), key)


@pytest.mark.parametrize("weaken", ["check_hostname", "verify_mode"])
def test_an_ssl_context_that_does_not_verify_is_refused(ca: PrivateCA, weaken: str) -> None:
    context = ssl.create_default_context(cafile=ca.ca_file)
    context.check_hostname = False
    if weaken == "verify_mode":
        context.verify_mode = ssl.CERT_NONE
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig(jwks_url="https://idp/jwks", algorithms=["ES256"], http_ssl_context=context)
    assert [issue.code for issue in caught.value.issues] == ["http_ssl_context_invalid"]
    assert "must verify the server's certificate and host name" in caught.value.problems[0]


# --- mutual TLS ----------------------------------------------------------------------------


def test_mutual_tls_presents_the_client_certificate(
    mtls_idp: RecordingServer, ca: PrivateCA, key: SigningKey
) -> None:
    trusting = {"HTTP_CA_FILE": str(ca.ca_file)}
    refused = unavailable(validator(mtls_idp, key, **trusting), key)
    assert "could not be fetched" in refused.detail, "no client certificate, no keys"
    cert_file, key_file = ca.issue("notes-api", client=True)
    check = validator(
        mtls_idp,
        key,
        **trusting,
        HTTP_CLIENT_CERT_FILE=str(cert_file),
        HTTP_CLIENT_KEY_FILE=str(key_file),
    )
    assert accepted(check, key)
    assert mtls_idp.hits("/jwks.json") == 1


def test_a_client_certificate_and_key_in_one_file(
    mtls_idp: RecordingServer, ca: PrivateCA, key: SigningKey, tmp_path: Path
) -> None:
    cert_file, key_file = ca.issue("notes-api", client=True)
    both = tmp_path / "client.pem"
    both.write_bytes(cert_file.read_bytes() + key_file.read_bytes())
    check = validator(mtls_idp, key, HTTP_CA_FILE=str(ca.ca_file), HTTP_CLIENT_CERT_FILE=str(both))
    assert accepted(check, key)


def test_an_encrypted_client_key_is_a_configuration_problem_not_a_prompt(
    ca: PrivateCA,
) -> None:
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    cert_file, key_file = ca.issue("notes-api", client=True)
    plain = serialization.load_pem_private_key(key_file.read_bytes(), None)
    key_file.write_bytes(
        plain.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"pass phrase"),
        )
    )
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig(
            jwks_url="https://idp/jwks",
            algorithms=["ES256"],
            http_client_cert_file=str(cert_file),
            http_client_key_file=str(key_file),
        )
    assert [issue.code for issue in caught.value.issues] == ["http_client_cert_file_invalid"]
    assert "the private key is encrypted" in caught.value.problems[0]


# --- headers -------------------------------------------------------------------------------


def test_headers_go_with_every_fetch_and_are_never_shown(
    idp: RecordingServer, ca: PrivateCA, key: SigningKey, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    issuer = idp.url + "/t"
    idp.serve_json(
        "/t/.well-known/openid-configuration", {"issuer": issuer, "jwks_uri": idp.url + "/t/k"}
    )
    idp.serve_json("/t/k", key.jwks())
    headers = {"X-Api-Key": SECRET_HEADER, "Authorization": f"Bearer {SECRET_HEADER}"}
    config = GuardConfig.from_env(
        {
            "JWTGUARD_ISSUER": issuer,
            "JWTGUARD_ALGORITHMS": "ES256",
            "JWTGUARD_HTTP_CA_FILE": str(ca.ca_file),
            "JWTGUARD_HTTP_HEADERS": f'{{"X-Api-Key": "{SECRET_HEADER}", '
            f'"Authorization": "Bearer {SECRET_HEADER}"}}',
        }
    )
    assert config.http_headers == headers
    check = Validator(config)
    assert check.validate(key.token(sub="alice", iss=issuer)).subject == "alice"
    assert len(idp.headers) == 2, "the metadata, then the keys"
    for sent in idp.headers:
        assert (sent["X-Api-Key"], sent["Authorization"]) == tuple(headers.values())
        assert sent["User-Agent"] == "jwtguard"
    idp.serve("/t/k", Route(500, b"{}"))  # a failed refresh is logged, with no header value
    check.key_source.refresh()  # type: ignore[union-attr]
    assert "answered HTTP 500" in caplog.text
    assert SECRET_HEADER not in caplog.text
    assert SECRET_HEADER not in repr(config)


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"Bad Name": "x"}, "HTTP_HEADERS: 'Bad Name' is not an HTTP header name"),
        ({"Host": "idp.example.com"}, "HTTP_HEADERS: Host is set by the connection itself"),
        ({"Proxy-Authorization": "Basic x"}, "give the proxy's credentials in HTTP_PROXY"),
        ({"X-Api-Key": f"{SECRET_HEADER}\r\nX-Evil: 1"}, "the value of X-Api-Key must be"),
        ({"X-Api-Key": 7}, "the value of X-Api-Key must be printable ASCII on one line"),
        (["X-Api-Key"], "HTTP_HEADERS must map header names to values"),
    ],
)
def test_header_problems_never_show_a_value(headers: Any, problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig(jwks_url="https://idp/jwks", algorithms=["ES256"], http_headers=headers)
    assert [issue.code for issue in caught.value.issues] == ["http_headers_invalid"]
    assert problem in str(caught.value)
    assert SECRET_HEADER not in str(caught.value)


# --- a proxy -------------------------------------------------------------------------------


def test_key_fetches_tunnel_through_the_proxy(
    idp: RecordingServer, ca: PrivateCA, key: SigningKey
) -> None:
    with connect_proxy() as proxy:
        check = validator(idp, key, HTTP_CA_FILE=str(ca.ca_file), HTTP_PROXY=proxy.url)
        assert accepted(check, key)
        assert proxy.tunnels == [idp.url.removeprefix("https://")]
    assert idp.hits("/jwks.json") == 1


def test_a_proxy_that_needs_credentials(
    idp: RecordingServer, ca: PrivateCA, key: SigningKey
) -> None:
    with connect_proxy(f"notes:{PROXY_PASSWORD}") as proxy:
        host = proxy.url.removeprefix("http://")
        wrong = validator(
            idp, key, HTTP_CA_FILE=str(ca.ca_file), HTTP_PROXY=f"http://notes:nope@{host}"
        )
        refused = unavailable(wrong, key)
        assert f"through the proxy http://***@{host}" in refused.detail
        assert "407" in refused.detail
        assert (proxy.refused, proxy.tunnels) == (1, [])
        right = validator(
            idp,
            key,
            HTTP_CA_FILE=str(ca.ca_file),
            HTTP_PROXY=f"http://notes:{PROXY_PASSWORD}@{host}",
        )
        assert accepted(right, key)
        assert len(proxy.tunnels) == 1
        assert PROXY_PASSWORD not in repr(right.config)


def test_the_proxy_setting_replaces_the_environments(
    idp: RecordingServer, ca: PrivateCA, key: SigningKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    with connect_proxy() as used, connect_proxy() as environments:
        monkeypatch.setenv("HTTPS_PROXY", environments.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        check = validator(idp, key, HTTP_CA_FILE=str(ca.ca_file), HTTP_PROXY=used.url)
        assert accepted(check, key)
        assert (len(used.tunnels), len(environments.tunnels)) == (1, 0)


@pytest.mark.parametrize(
    ("proxy", "problem"),
    [
        ("https://proxy.internal:3128", "is not an http:// proxy URL"),
        ("socks5://proxy.internal:1080", "is not an http:// proxy URL"),
        (f"http://u:{PROXY_PASSWORD}@proxy.internal:3128/path", "has no path, query or fragment"),
        ("http://proxy.internal:99999", "is not a proxy URL"),
    ],
)
def test_proxy_problems_never_show_its_password(proxy: str, problem: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig(jwks_url="https://idp/jwks", algorithms=["ES256"], http_proxy=proxy)
    assert [issue.code for issue in caught.value.issues] == ["http_proxy_invalid"]
    assert problem in str(caught.value)
    assert PROXY_PASSWORD not in str(caught.value)


# --- the settings between them ---------------------------------------------------------------


def test_tls_setting_problems(ca: PrivateCA, tmp_path: Path) -> None:
    cert_file, key_file = ca.issue("notes-api", client=True)
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate")
    context = ssl.create_default_context()
    cases = [
        ({"HTTP_SSL_CONTEXT": context, "HTTP_CA_FILE": str(ca.ca_file)}, "http_ssl_context_invalid",
         "HTTP_SSL_CONTEXT is the whole TLS context"),
        ({"HTTP_CLIENT_KEY_FILE": str(key_file)}, "http_client_key_file_invalid",
         "HTTP_CLIENT_KEY_FILE needs HTTP_CLIENT_CERT_FILE"),
        ({"HTTP_CA_FILE": str(not_pem)}, "http_ca_file_invalid",
         "HTTP_CA_FILE: cannot load the CA certificates"),
        ({"HTTP_CLIENT_CERT_FILE": str(cert_file)}, "http_client_cert_file_invalid",
         "HTTP_CLIENT_CERT_FILE: cannot load the client certificate and its key"),
        ({"HTTP_CA_FILE": str(tmp_path / "missing.pem")}, "http_ca_file_invalid",
         "is not a readable file"),
    ]  # fmt: skip
    for settings, code, problem in cases:
        with pytest.raises(ConfigurationError) as caught:
            GuardConfig.from_mapping(
                {"JWKS_URL": "https://idp/jwks", "ALGORITHMS": ["ES256"], **settings}
            )
        assert [issue.code for issue in caught.value.issues] == [code], settings
        assert problem in caught.value.problems[0]


def test_an_ssl_context_cannot_come_from_text() -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_env(
            {
                "JWTGUARD_JWKS_URL": "https://idp/jwks",
                "JWTGUARD_ALGORITHMS": "ES256",
                "JWTGUARD_HTTP_SSL_CONTEXT": "default",
            }
        )
    assert "an ssl.SSLContext can only be given in Python settings" in str(caught.value)


# --- per issuer: an entry of TRUSTED_ISSUERS fetches its own way -----------------------------

INTERNAL, PUBLIC = "https://login.internal.example/", "https://public.example/"


def per_issuer(internal: RecordingServer, public: RecordingServer, **entry: Any) -> Validator:
    keys = {INTERNAL: generate_key("ES256", kid="in-1"), PUBLIC: generate_key("ES256", kid="pub-1")}
    internal.serve_json("/jwks.json", keys[INTERNAL].jwks())
    public.serve_json("/jwks.json", keys[PUBLIC].jwks())
    trusted = {
        INTERNAL: {"JWKS_URL": internal.url + "/jwks.json", **entry},
        PUBLIC: {"JWKS_URL": public.url + "/jwks.json"},
    }
    config = GuardConfig.from_mapping(
        {"TRUSTED_ISSUERS": trusted, "ALGORITHMS": ["ES256"], "AUDIENCE": AUDIENCE}
    )
    validator = Validator(config)
    validator.keys = keys  # type: ignore[attr-defined]  # the test's own handle on them
    return validator


def issued(validator: Validator, issuer: str) -> str:
    key: SigningKey = validator.keys[issuer]  # type: ignore[attr-defined]
    return key.token(iss=issuer, aud=AUDIENCE, sub="svc")


def test_an_issuer_behind_a_private_ca_gets_its_ca_and_headers_and_no_other_does(
    ca: PrivateCA, idp: RecordingServer
) -> None:
    """The internal issuer's entry names its CA and an API key header: its fetches use them,
    the public issuer's (plain HTTP here) never see the header."""
    with recording_server() as public:
        validator = per_issuer(
            idp, public, HTTP_CA_FILE=str(ca.ca_file), HTTP_HEADERS={"X-Api-Key": SECRET_HEADER}
        )
        assert validator.validate(issued(validator, INTERNAL)).issuer == INTERNAL
        assert validator.validate(issued(validator, PUBLIC)).issuer == PUBLIC
        assert idp.headers[-1].get("X-Api-Key") == SECRET_HEADER
        assert all("X-Api-Key" not in headers for headers in public.headers)
        assert SECRET_HEADER not in repr(validator.config)


def test_without_its_own_ca_the_internal_issuer_is_not_trusted(
    idp: RecordingServer,
) -> None:
    with recording_server() as public:
        validator = per_issuer(idp, public)
        with pytest.raises(KeySourceUnavailable):
            validator.validate(issued(validator, INTERNAL))
        assert idp.hits() == 0, "the handshake fails: no request reaches the server"
        assert validator.validate(issued(validator, PUBLIC)).issuer == PUBLIC


def test_an_issuer_with_mutual_tls_presents_its_own_client_certificate(
    ca: PrivateCA, mtls_idp: RecordingServer
) -> None:
    cert_file, key_file = ca.issue("notes-api", client=True)
    with recording_server() as public:
        validator = per_issuer(
            mtls_idp,
            public,
            HTTP_CA_FILE=str(ca.ca_file),
            HTTP_CLIENT_CERT_FILE=str(cert_file),
            HTTP_CLIENT_KEY_FILE=str(key_file),
        )
        assert validator.validate(issued(validator, INTERNAL)).issuer == INTERNAL


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"HTTP_HEADERS": {"Host": "x"}}, "HTTP_HEADERS"),
        ({"HTTP_CA_FILE": "/nonexistent/ca.pem"}, "HTTP_CA_FILE"),
        ({"HTTP_PROXY": "ftp://proxy"}, "HTTP_PROXY"),
        ({"HTTP_HEADRES": {}}, "did you mean HTTP_HEADERS?"),
    ],
)
def test_an_entrys_fetch_settings_are_checked(entry: dict[str, Any], expected: str) -> None:
    trusted = {INTERNAL: {"JWKS_URL": "https://login.internal.example/jwks", **entry}}
    with pytest.raises(ConfigurationError) as raised:
        GuardConfig.from_mapping({"TRUSTED_ISSUERS": trusted, "ALGORITHMS": ["ES256"]})
    assert [problem.setting for problem in raised.value.issues] == ["TRUSTED_ISSUERS"]
    assert expected in str(raised.value)
    assert "TRUSTED_ISSUERS['https://login.internal.example/']" in str(raised.value)


def test_fetch_settings_beside_static_keys_are_a_problem() -> None:
    key = generate_key("ES256", kid="k")
    trusted = {INTERNAL: {"JWKS": key.jwks(), "HTTP_HEADERS": {"X-Api-Key": SECRET_HEADER}}}
    with pytest.raises(ConfigurationError) as raised:
        GuardConfig.from_mapping({"TRUSTED_ISSUERS": trusted, "ALGORITHMS": ["ES256"]})
    assert "apply to fetched keys, and JWKS is not fetched" in str(raised.value)
    assert SECRET_HEADER not in str(raised.value)
