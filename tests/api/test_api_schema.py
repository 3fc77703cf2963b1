"""Property-based tests from /openapi.json (schemathesis): for generated valid and invalid
input, no 5xx and every response matches its documented schema. Bounded: a few examples per
operation. The LLM-backed operations run against a fake provider (their generated references
rarely name a real record, so mostly their error answers are checked); sending operations
are left out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from pydantic import SecretStr
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from crm.llm_calls.service import gateway
from fake_llm import LLM_SETTINGS, fake_provider
from kernel.settings import Settings

KEY = "schema-test-key"
# What the API promises: no server errors, and every answer as documented (status, content
# type, body schema). Not checked: whether the schema alone predicts acceptance — rules such
# as email syntax or the segment language are stricter than a JSON schema can say.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SENDS = ("/api/v1/campaigns/{ref}/execute", "/api/v1/campaigns/{ref}/resume")

app = create_app(
    Settings(
        db_url="mem://",
        api_keys=KEY,
        secret_key=SecretStr("schema-test-secret"),
        api_rate_limit=0,
        form_rate_limit=0,
    )
)
app.state.crm.gateway_factory = lambda db: gateway(db, Settings(db_url="mem://", **LLM_SETTINGS))
schema = schemathesis.openapi.from_asgi("/openapi.json", app).exclude(
    path=list(SENDS), method="POST"
)


@pytest.fixture(autouse=True)
def _no_real_model() -> Iterator[None]:
    with fake_provider():
        yield


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {KEY}"})
