"""`crm campaigns generate`: the summary line (a fake provider)."""

from __future__ import annotations

import pytest

from crm_cli import Crm
from fake_llm import EMAIL, MODEL, fake_provider, reply, use_fake_model


def _campaign(crm: Crm, model: str, monkeypatch: pytest.MonkeyPatch) -> str:
    use_fake_model(monkeypatch, model)
    crm.json("contacts", "add", "--email", "ada@example.com")
    crm.json("segments", "create", "everyone", "--rule", "email exists")
    campaign = crm.json(
        "campaigns", "create", "Spring", "--segment", "everyone", "--channel", "email",
        "--brief", "Invite them to the spring webinar",
    )  # fmt: skip
    return str(campaign["id"])


def test_the_summary_prints_the_cost_of_a_priced_model(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _campaign(crm, MODEL, monkeypatch)

    with fake_provider() as provider:
        # 100k tokens in, 50k out at gpt-4o-mini's price: $0.015 + $0.03.
        provider.side_effect = lambda request: reply(
            EMAIL, prompt_tokens=100_000, completion_tokens=50_000, model="gpt-4o-mini"
        )
        result = crm("campaigns", "generate", key)

    assert result.exit_code == 0, result.output
    assert "1 written" in result.stdout and "· $0.0450 ·" in result.stdout


def test_the_summary_says_unknown_when_the_model_has_no_price(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = _campaign(crm, "openai/house-model-without-a-price", monkeypatch)

    with fake_provider() as provider:
        provider.side_effect = lambda request: reply(EMAIL, model="house-model-without-a-price")
        result = crm("campaigns", "generate", key)
        as_json = crm.json("campaigns", "generate", key, "--regenerate")

    assert result.exit_code == 0, result.output
    assert "1 written" in result.stdout and "· unknown cost ·" in result.stdout
    assert "$0.0000" not in result.stdout
    assert as_json["cost"] is None
