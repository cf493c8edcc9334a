"""A real OpenID provider on 127.0.0.1 for tests: panva's ``oidc-provider`` (npm), run by node.

``tests/oidc/provider.mjs`` issues JWT access tokens (RFC 9068) by the client_credentials grant
for the resources of :data:`NOTES_API` and :data:`OTHER_API`; a test-only admin server beside it
rotates the signing keys, takes the provider down and up again on the same port, and counts the
requests that reached it (:class:`OpenIDProvider`). Plain HTTP, or HTTPS with a certificate the
test gives it.

Its node packages are installed from ``tests/oidc/package-lock.json`` by ``npm ci`` on first use
(again whenever the lock file changes). Without node (20.12 or newer: oidc-provider 9 needs it) or
npm the tests that need them are skipped with a hint on installing them, except when ``CI`` is
set: there they fail (``.ci/run`` installs them), and so does an ``npm ci`` that fails.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any, NoReturn

import pytest
import requests

from tests.binaries import require_binary
from tests.e2e.gunicorn import free_port

PROJECT = Path(__file__).resolve().parent / "oidc"
SCRIPT = PROJECT / "provider.mjs"
INSTALLED = PROJECT / "node_modules" / ".jwtguard-installed"
INSTALL_HINT = (
    "install Node.js 20.12 or newer with npm (`sudo apt-get install nodejs npm` on Debian 13 or "
    "Ubuntu 24.10 and later, `brew install node` on macOS)"
)
NEEDED_BY = "the tests against a real OpenID provider"
#: The oldest node that oidc-provider 9 runs on (it calls ``crypto.hash``).
OLDEST_NODE = (20, 12)
START_TIMEOUT = 15.0

#: The APIs the provider issues tokens for (the ``resource`` parameter; the token's ``aud``).
NOTES_API = "https://notes.example/api"
OTHER_API = "https://other.example/api"
#: Where the provider's metadata (OpenID Connect Discovery) and keys are, under its issuer.
DISCOVERY = "/.well-known/openid-configuration"
JWKS = "/jwks"
#: The provider's clients and their (test-only) secrets.
CLIENTS = {"notes-client": "notes-client-secret", "other-client": "other-client-secret"}


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}, and CI is set: {NEEDED_BY} must run there (.ci/run)")
    pytest.skip(f"{reason}, so {NEEDED_BY} are skipped")


def node_binary() -> str:
    """The ``node`` executable, with the provider's packages installed (``npm ci``, once per
    version of the lock file); skips the test without node or npm (fails it when ``CI`` is set)."""
    node = require_binary("node", needed_by=NEEDED_BY, install_hint=INSTALL_HINT)
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    if tuple(int(part) for part in re.findall(r"\d+", version)[:2]) < OLDEST_NODE:
        oldest = ".".join(map(str, OLDEST_NODE))
        _unavailable(f"node {version or '(no version)'} is older than {oldest}; {INSTALL_HINT}")
    lock = hashlib.sha256((PROJECT / "package-lock.json").read_bytes()).hexdigest()
    if INSTALLED.exists() and INSTALLED.read_text() == lock:
        return node
    npm = require_binary("npm", needed_by=NEEDED_BY, install_hint=INSTALL_HINT)
    command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"]
    try:
        installed = subprocess.run(
            command, cwd=PROJECT, capture_output=True, text=True, timeout=300, check=False
        )
    except subprocess.TimeoutExpired:
        _unavailable(f"`npm ci` in {PROJECT} did not finish within 300 s")
    if installed.returncode != 0:
        _unavailable(f"`npm ci` in {PROJECT} failed:\n{installed.stdout}{installed.stderr}")
    INSTALLED.write_text(lock)
    return node


class OpenIDProvider:
    """One ``oidc-provider`` process: its issuer, tokens from its token endpoint, and the admin
    actions (:meth:`rotate`, :meth:`down`, :meth:`up`, :meth:`hits`).

    With ``certificate`` (the certificate and key files of a server on 127.0.0.1) it serves
    HTTPS, and ``ca_file`` is what its clients must trust.
    """

    def __init__(
        self,
        directory: Path,
        *,
        certificate: tuple[Path, Path] | None = None,
        ca_file: Path | None = None,
    ) -> None:
        self.node = node_binary()
        self.log = directory / "oidc-provider.log"
        self.port = free_port()
        self.admin_port = free_port()
        while self.admin_port == self.port:
            self.admin_port = free_port()
        self.certificate = certificate
        self.verify: str | bool = str(ca_file) if ca_file else True
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        scheme = "http" if self.certificate is None else "https"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def discovery_url(self) -> str:
        return self.issuer + DISCOVERY

    def start(self) -> OpenIDProvider:
        command = [self.node, str(SCRIPT), "--port", str(self.port)]
        command += ["--admin-port", str(self.admin_port)]
        if self.certificate is not None:
            cert_file, key_file = self.certificate
            command += ["--tls-cert", str(cert_file), "--tls-key", str(key_file)]
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                command, cwd=PROJECT, stdout=output, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"oidc-provider did not start:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    # --- tokens ----------------------------------------------------------------------------

    def token(
        self,
        scope: str = "notes:read notes:write",
        *,
        resource: str = NOTES_API,
        client: str = "notes-client",
    ) -> str:
        """An access token from the token endpoint (client_credentials, RFC 8707 ``resource``)."""
        response = requests.post(
            self.issuer + "/token",
            data={"grant_type": "client_credentials", "scope": scope, "resource": resource},
            auth=(client, CLIENTS[client]),
            timeout=10,
            verify=self.verify,
        )
        assert response.status_code == 200, response.text
        token = response.json()["access_token"]
        assert isinstance(token, str)
        return token

    # --- the admin server --------------------------------------------------------------------

    def rotate(self, *, retire: bool = False) -> str:
        """A new signing key in front of the published ones (``retire``: the only one); its kid."""
        kid = self._admin("POST", "/rotate" + ("?retire=1" if retire else ""))["kid"]
        assert isinstance(kid, str)
        return kid

    def down(self) -> None:
        """Stop listening, dropping open connections: connections are refused until :meth:`up`."""
        assert self._admin("POST", "/down") == {"listening": False}

    def up(self) -> None:
        assert self._admin("POST", "/up") == {"listening": True}

    def hits(self, path: str = JWKS) -> int:
        """How many requests for ``path`` reached the provider since it started."""
        return int(self._admin("GET", "/stats").get(path, 0))

    def _admin(self, method: str, path: str) -> Any:
        url = f"http://127.0.0.1:{self.admin_port}{path}"
        response = requests.request(method, url, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def _answers(self) -> bool:
        try:
            self._admin("GET", "/stats")
        except requests.ConnectionError:
            return False
        return True


def discovered(provider: OpenIDProvider, **settings: str) -> dict[str, str]:
    """The example APIs' environment trusting ``provider`` by its issuer alone (the keys are
    discovered) for :data:`NOTES_API`, with ``settings`` (``JWTGUARD_`` added to each name)."""
    return {
        "JWTGUARD_ISSUER": provider.issuer,
        "JWTGUARD_AUDIENCE": NOTES_API,
        "JWTGUARD_ALGORITHMS": "RS256",
        "JWTGUARD_TOKEN_TYPES": "at+jwt",
    } | {f"JWTGUARD_{name}": value for name, value in settings.items()}
