"""Every request example in the OpenAPI document works: each is sent, in an order where the
records it names exist (the example segment before the example campaign that targets it), and
must succeed. An example added to the document without a place here fails the test."""

from __future__ import annotations

from typing import Any

import httpx
import respx

from api.deps import AppState
from campaigns.tracking import Tokens, unsubscribe_payload
from crm.contacts import service as contacts
from crm.db import Database

# The operations with examples, in the order they can run. `{ref}` is filled with the record
# the earlier examples made (the contact's email, the campaign's id), `{token}` with the
# contact's unsubscribe token for that campaign.
ORDER = [
    ("POST", "/api/v1/contacts"),
    ("PATCH", "/api/v1/contacts/{ref}"),
    ("POST", "/api/v1/companies"),
    ("POST", "/api/v1/segments"),
    ("POST", "/api/v1/campaigns"),
    ("POST", "/api/v1/campaigns/{ref}/schedules"),
    ("POST", "/api/v1/landing-pages"),
    ("POST", "/api/v1/landing-pages/generate"),
    ("POST", "/unsubscribe/{token}"),
]
EXAMPLE_IDS = {"abc123"}  # stands for the campaign's id in an example body


def request_examples(document: dict[str, Any]) -> dict[tuple[str, str], list[Any]]:
    found: dict[tuple[str, str], list[Any]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                examples = [e["value"] for e in media.get("examples", {}).values()]
                examples += [media["example"]] if "example" in media else []
                if examples:
                    found[(method.upper(), path)] = examples
    return found


async def test_every_request_example_is_accepted(
    client: httpx.AsyncClient,
    auth: dict[str, str],
    state: AppState,
    db: Database,
    provider: respx.Route,
) -> None:
    document = (await client.get("/openapi.json")).json()
    examples = request_examples(document)
    assert list(examples) == [op for op in ORDER if op in examples]
    assert set(examples) == set(ORDER)
    refs: dict[str, str] = {}

    for method, path in ORDER:
        for example in examples[(method, path)]:
            if path == "/unsubscribe/{token}":
                ada = await contacts.require(db, refs["contacts"])
                payload = unsubscribe_payload(refs["campaigns"], ada.id)
                token = Tokens(state.secret).make("unsubscribe", payload)
                response = await client.post(f"/unsubscribe/{token}", data=example)
                assert response.status_code == 200
                assert (await contacts.require(db, ada.id)).status == "unsubscribed"
                continue
            url = path.replace("{ref}", refs.get(path.split("/")[3], ""))
            body = {
                k: refs["campaigns"] if isinstance(v, str) and v in EXAMPLE_IDS else v
                for k, v in example.items()
            }
            response = await client.request(method, url, json=body, headers=auth)

            assert response.status_code in (200, 201, 202), (method, path, response.text)
            answer = response.json()
            if path == "/api/v1/contacts":
                refs["contacts"] = answer["email"]
            if path == "/api/v1/campaigns":
                refs["campaigns"] = answer["id"]
            if response.status_code == 202:
                await state.jobs.wait(answer["id"])
                job = (await client.get(answer["status_url"], headers=auth)).json()
                assert job["status"] == "done", job
