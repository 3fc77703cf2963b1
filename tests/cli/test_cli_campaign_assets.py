"""`crm campaigns generate` when one asset fails validation: only that asset fails, the command
exits non-zero, and writing the failed asset by hand moves the campaign back to review without
generating anything again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from crm_cli import Crm
from fake_llm import API_BASE, EMAIL, LLM_SETTINGS, reply
from llm_tools.provider import load_litellm

EXIT_FAILED = 3


def _answer(request: httpx.Request) -> httpx.Response:
    prompt = json.loads(request.content)["messages"][-1]["content"]
    if "linkedin" in prompt.lower():
        return reply({"posts": "not what was asked for"})  # fails validation every time
    return reply(EMAIL)


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    for name, value in LLM_SETTINGS.items():
        monkeypatch.setenv(f"CRM_{name.upper()}", str(value))
    litellm: Any = load_litellm()
    litellm.disable_aiohttp_transport = True  # respx cannot see aiohttp
    with respx.mock(base_url=API_BASE) as router:
        yield router.post("/chat/completions").mock(side_effect=_answer)


def test_a_failed_asset_fails_alone_and_a_hand_edit_brings_the_campaign_back_to_review(
    crm: Crm, provider: respx.Route, tmp_path: Path
) -> None:
    crm.json("contacts", "add", "--email", "ada@example.com", "--first-name", "Ada")
    crm.json("segments", "create", "everyone", "--rule", "email exists")
    campaign = crm.json(
        "campaigns", "create", "Spring", "--segment", "everyone", "--channel", "email",
        "--channel", "linkedin", "--brief", "Invite them to the spring webinar",
        "--link", "https://example.com/webinar",
    )  # fmt: skip
    key = campaign["id"]

    generated = crm("campaigns", "generate", key, "--json")

    assert generated.exit_code == EXIT_FAILED, generated.output
    report = json.loads(generated.stdout)
    assert (report["state"], report["created"], report["failed"]) == ("failed", 1, 1)
    assert report["errors"][0].startswith("linkedin/")
    shown = crm.json("campaigns", "show", key)
    assert "linkedin" in shown["campaign"]["state_reason"]
    assert [a["channel"] for a in shown["assets"]] == ["email"]

    calls = provider.call_count
    post = tmp_path / "post.txt"
    post.write_text("Join the spring webinar: https://example.com/webinar", encoding="utf-8")
    crm.json("campaigns", "edit-asset", key, "--channel", "linkedin", "--body-file", post)

    shown = crm.json("campaigns", "show", key)
    assert shown["campaign"]["state"] == "review"
    assert sorted(a["channel"] for a in shown["assets"]) == ["email", "linkedin"]
    assert provider.call_count == calls  # nothing was generated again
    assert crm.json("campaigns", "approve", key)["state"] == "approved"


def test_generate_exits_zero_when_every_asset_is_written(crm: Crm, provider: respx.Route) -> None:
    crm.json("contacts", "add", "--email", "ada@example.com")
    crm.json("segments", "create", "everyone", "--rule", "email exists")
    key = crm.json(
        "campaigns", "create", "Spring", "--segment", "everyone", "--channel", "email",
        "--brief", "Invite them to the spring webinar",
    )["id"]  # fmt: skip

    assert crm.json("campaigns", "generate", key)["state"] == "review"
