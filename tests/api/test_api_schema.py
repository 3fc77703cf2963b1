"""Property-based tests from /openapi.json (schemathesis, every check): for generated valid
and invalid input no 5xx, every answer as documented, schema-valid input accepted and
schema-violating input refused.

The app runs on a local port with one database for the whole module, holding real records.
Each generated case is sent as generated (mostly unknown ids) and again with its path bound to
a real record (a contact, a published page's slug, a signed token, …): a fresh one for calls
that change or delete it. A stateful run then chains calls through the links schemathesis
infers. Bounded by a few examples per operation. The LLM-backed operations talk to a fake
provider; sending operations are left out."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from campaigns.tracking import Tokens, click_payload, open_payload, unsubscribe_payload
from fake_llm import LLM_SETTINGS, fake_provider
from kernel.settings import Settings
from live_api import serving

KEY = "schema-test-key"
SECRET = "schema-test-secret"
SENDS = ("/api/v1/campaigns/{ref}/execute", "/api/v1/campaigns/{ref}/resume")
# Rules a JSON schema cannot state, so a schema-valid request may still be refused with 422
# (or 400 for a link): the segment language, email syntax and deliverability, cron syntax and
# time zones, custom field names, opaque cursors, CSV content, signed tokens, known campaigns,
# a campaign's state machine (pausing a draft), and text the database cannot store (NUL
# characters, lone surrogates: api.storable).
BEYOND_THE_SCHEMA: dict[str, list[str]] = {
    "/api/v1/contacts": ["422"],
    "/api/v1/contacts/import": ["422"],
    "/api/v1/contacts/export": ["422"],
    "/api/v1/contacts/{ref}": ["422"],
    "/api/v1/companies": ["422"],
    "/api/v1/companies/{ref}": ["422"],
    "/api/v1/companies/{ref}/contacts": ["422"],
    "/api/v1/segments": ["422"],
    "/api/v1/segments/preview": ["422"],
    "/api/v1/segments/{ref}": ["422"],
    "/api/v1/campaigns": ["422"],
    "/api/v1/campaigns/{ref}/assets": ["422"],
    "/api/v1/campaigns/{ref}/assets/{channel}/{variant}": ["422"],
    "/api/v1/campaigns/{ref}/approve": ["422"],
    "/api/v1/campaigns/{ref}/test-send": ["422"],
    "/api/v1/campaigns/{ref}/pause": ["422"],
    "/api/v1/campaigns/{ref}/cancel": ["422"],
    "/api/v1/campaigns/{ref}/schedules": ["422"],
    "/api/v1/landing-pages": ["422"],
    "/api/v1/landing-pages/generate": ["422"],
    "/api/v1/landing-pages/{ref}": ["422"],
    "/api/v1/landing-pages/{ref}/submissions": ["422"],
    "/api/v1/apikeys": ["422"],
    "/api/v1/llm/calls": ["422"],
    "/lp/{slug}/submit": ["400", "422"],
    "/t/o/{token}": ["400"],
    "/t/c/{token}": ["400"],
    "/unsubscribe/{token}": ["400"],
    "/auth/set-password": ["400", "422"],
}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "headers": {"Authorization": f"Bearer {KEY}"},
        "operations": [
            {
                "include-path": path,
                "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED + statuses}},
            }
            for path, statuses in BEYOND_THE_SCHEMA.items()
        ]
        + [
            # A text/csv body is text whatever it holds: a generated "boolean" arrives as
            # the text `true`, a CSV file without an email column (reported, not refused).
            {
                "include-path": "/api/v1/contacts/import",
                "checks": {"negative_data_rejection": {"enabled": False}},
            }
        ],
    }
)
HYPOTHESIS = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


class Records:
    """Real records made through the API: shared ones to read, fresh ones to change."""

    def __init__(self, http: httpx.Client, tokens: Tokens) -> None:
        self.http = http
        self.tokens = tokens
        self.n = itertools.count()
        self.shared: dict[str, str] = {}

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.http.post(path, json=body)
        assert response.status_code in (201, 202), response.text
        found: dict[str, Any] = response.json()
        return found

    def contact(self) -> str:
        n = next(self.n)
        body = {"email": f"person{n}@example.com", "company": "Acme", "tags": ["vip"]}
        return str(self._post("/api/v1/contacts", body)["id"])

    def company(self) -> str:
        return str(self._post("/api/v1/companies", {"name": f"Company {next(self.n)}"})["id"])

    def segment(self) -> str:
        body = {"name": f"segment-{next(self.n)}", "rule": 'tags contains "vip"'}
        return str(self._post("/api/v1/segments", body)["id"])

    def campaign(self) -> str:
        body = {
            "name": f"Campaign {next(self.n)}",
            "segment": self.shared["segment"],
            "channels": ["email"],
            "brief": {"goal": "Invite them to the spring webinar"},
        }
        return str(self._post("/api/v1/campaigns", body)["id"])

    def schedule(self) -> str:
        path = f"/api/v1/campaigns/{self.shared['campaign']}/schedules"
        return str(self._post(path, {"cron": "0 9 * * MON"})["id"])

    def page(self) -> str:
        spec = {
            "headline": "Spring webinar",
            "subheadline": "Faster reports for your whole team.",
            "sections": [{"heading": "What is new", "body": "Reports that load in a second."}],
            "call_to_action": {"label": "Save my seat"},
            "seo_title": "Spring webinar",
            "seo_description": "Join the spring webinar.",
            "form_fields": [{"name": "email", "label": "Email", "type": "email", "required": True}],
        }
        body = {"slug": f"page-{next(self.n)}", "spec": spec, "publish": True}
        return str(self._post("/api/v1/landing-pages", body)["slug"])

    def job(self) -> str:
        return str(self._post(f"/api/v1/campaigns/{self.shared['campaign']}/assets", {})["id"])

    def open_token(self) -> str:
        return self.tokens.make("open", open_payload("d0", self.shared["campaign"], None))

    def click_token(self) -> str:
        payload = click_payload("d0", self.shared["campaign"], None, "https://example.com/")
        return self.tokens.make("click", payload)

    def unsubscribe_token(self) -> str:
        payload = unsubscribe_payload(self.shared["campaign"], self.contact())
        return self.tokens.make("unsubscribe", payload)

    def maker(self, path: str) -> Callable[[], str] | None:
        """What makes the record a path names, by its first segment after the prefix."""
        makers: dict[str, Callable[[], str]] = {
            "contacts": self.contact,
            "companies": self.company,
            "segments": self.segment,
            "campaigns": self.campaign,
            "analytics": self.campaign,
            "schedules": self.schedule,
            "landing-pages": self.page,
            "jobs": self.job,
            "lp": self.page,
            "o": self.open_token,
            "c": self.click_token,
            "unsubscribe": self.unsubscribe_token,
        }
        parts = [p for p in path.split("/") if p and not p.startswith("{")]
        kind = parts[-1] if path.startswith("/t/") else parts[2 if parts[0] == "api" else 0]
        return makers.get(kind)

    def bind(self, path: str, method: str) -> str | None:
        maker = self.maker(path)
        if maker is None:
            return None
        if method in ("GET", "HEAD") and path in self.shared:
            return self.shared[path]
        made = maker()
        if method in ("GET", "HEAD"):
            self.shared[path] = made
        return made


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, Records]]:
    app_settings = Settings(
        db_url="mem://",
        api_keys=KEY,
        secret_key=SecretStr(SECRET),
        api_rate_limit=0,
        form_rate_limit=0,
        **LLM_SETTINGS,
    )
    with fake_provider(), serving(app_settings) as url:
        headers = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            records = Records(http, Tokens(SECRET))
            records.shared["segment"] = records.segment()
            records.shared["campaign"] = records.campaign()
            yield url, records


# The document as the app serves it (the same for any database); calls go to the live server.
def with_links(document: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI links from each create (`POST /api/v1/contacts`, answering the record) to every
    operation on the record it made (`/api/v1/contacts/{ref}…`), for the stateful run."""
    paths = document["paths"]
    for path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None or not path.startswith("/api/v1/"):
            continue
        key = "slug" if path.endswith("landing-pages") else "id"
        created["links"] = {
            f"{method}-{target}": {
                "operationId": operation["operationId"],
                "parameters": {"ref": f"$response.body#/{key}"},
            }
            for target, targets in paths.items()
            if target.startswith(f"{path}/{{ref}}") and not target.endswith(SENDS)
            for method, operation in targets.items()
        }
    return document


schema = schemathesis.openapi.from_dict(
    with_links(create_app(Settings(db_url="mem://")).openapi()), config=CONFIG
).exclude(path=list(SENDS), method="POST")


@schema.parametrize()
@HYPOTHESIS
def test_api_conforms_to_its_schema(
    case: schemathesis.Case[Any], live: tuple[str, Records]
) -> None:
    url, records = live
    case.call_and_validate(base_url=url)
    path_params = dict(case.path_parameters or {})
    if len(path_params) != 1:
        return
    real = records.bind(case.path, case.method.upper())
    if real is None:
        return
    case.path_parameters = {next(iter(path_params)): real}
    case.call_and_validate(base_url=url)


def test_call_sequences_conform_to_the_schema(live: tuple[str, Records]) -> None:
    url, _ = live
    schema.config.update(base_url=url)
    machine = schema.as_state_machine()
    machine.run(settings=settings(HYPOTHESIS, max_examples=10, stateful_step_count=5))
