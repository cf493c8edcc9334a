"""The example APIs as their READMEs run them: the development key, no ``JWTGUARD_*`` variable,
``CORS_ALLOWED_ORIGINS`` naming the origin of a page of this test run.

One such server per framework serves the whole run (``dev_api`` in ``conftest.py``): the browser
CORS tests, the spoofed preflights, the served OpenAPI document and the default key all ask it.
It logs every request in :data:`LOG_FIELDS`, which shows what each preflight's answer carried; a
test finds its own requests by a ``?case=`` query of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.devkey import DEV_AUDIENCE, DEV_ISSUER, dev_key
from tests.servers import eventually

#: The page: one function that calls the API and returns what its script can see of the answer.
PAGE = b"""<!doctype html>
<meta charset="utf-8">
<title>notes</title>
<script>
async function callApi(url, init) {
  try {
    const response = await fetch(url, init);
    return {
      status: response.status,
      challenge: response.headers.get("WWW-Authenticate"),
      body: await response.text(),
    };
  } catch (error) {
    return {error: error.name};
  }
}
</script>
"""


@dataclass(frozen=True)
class Pages:
    """The page on the origin the APIs allow, and the same page on an origin they do not."""

    allowed: str
    other: str

    @property
    def allowed_origin(self) -> str:
        return self.allowed.removesuffix("/")


#: One access log line per request, ``|``-separated: what a preflight's answer carried.
LOG_FIELDS = {
    "method": "%(m)s",
    "status": "%(s)s",
    "path": "%(U)s",
    "query": "%(q)s",
    "origin": "%({origin}i)s",
    "allow_origin": "%({access-control-allow-origin}o)s",
    "allow_headers": "%({access-control-allow-headers}o)s",
    "allow": "%({allow}o)s",
    "length": "%(B)s",
}
LOG_FORMAT = "|".join(LOG_FIELDS.values())


@dataclass(frozen=True)
class Logged:
    """One request as the API's access log saw it (``-`` for a header it did not have)."""

    method: str
    status: str
    path: str
    query: str
    origin: str
    allow_origin: str
    allow_headers: str
    allow: str
    length: str


@dataclass(frozen=True)
class DevApi:
    """One example API under gunicorn, and its access log."""

    framework: str
    url: str
    access_log: Path

    def logged(self, case: str, count: int) -> list[Logged]:
        """The requests of ``case`` (its ``?case=`` query), once ``count`` of them are logged
        (gunicorn writes a line just after the answer)."""

        def lines() -> list[Logged]:
            text = self.access_log.read_text() if self.access_log.exists() else ""
            complete = text[: text.rfind("\n") + 1].splitlines()  # not a line being written
            parsed = [
                Logged(**dict(zip(LOG_FIELDS, line.split("|"), strict=True))) for line in complete
            ]
            return [line for line in parsed if line.query == f"case={case}"]

        assert eventually(lambda: len(lines()) >= count, timeout=5, interval=0.05), lines()
        return lines()


def dev_token(sub: str = "alice", **claims: Any) -> str:
    """A token of the development key for the example APIs' issuer and audience."""
    return dev_key().token(iss=DEV_ISSUER, aud=DEV_AUDIENCE, sub=sub, **claims)
