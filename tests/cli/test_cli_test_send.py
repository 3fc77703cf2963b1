"""`crm campaigns test-send`, on the database and through a running server: what the tester's
inbox receives, and a campaign left as it was."""

from __future__ import annotations

import pytest
import respx

from crm_cli import Crm
from fake_llm import EMAIL, LLM_SETTINGS
from kernel.settings import Settings
from live_api import serving
from smtp_sink import Sink

KEY = "test-send-key"


def _campaign(crm: Crm, *base: str) -> str:
    crm.json(*base, "contacts", "add", "--email", "ada@example.com", "--first-name", "Ada")
    crm.json(*base, "contacts", "add", "--email", "bo@example.com")
    crm.json(*base, "segments", "create", "everyone", "--rule", "email exists")
    key = crm.json(
        *base, "campaigns", "create", "Spring", "--segment", "everyone", "--channel", "email",
        "--brief", "Invite them to the spring webinar", "--link", "https://example.com/webinar",
    )["id"]  # fmt: skip
    crm.json(*base, "campaigns", "generate", key)
    return str(key)


def _check(crm: Crm, sink: Sink, *base: str) -> None:
    key = _campaign(crm, *base)
    before = crm.json(*base, "campaigns", "status", key)

    out = crm(*base, "campaigns", "test-send", key, "--to", "me@example.com",
              "--contact", "bo@example.com")  # fmt: skip

    assert out.exit_code == 0, out.output
    assert "to me@example.com as bo@example.com would get it" in " ".join(out.stdout.split())
    [received] = sink.received
    message = received.message
    assert received.recipients == ["me@example.com"]
    assert message["Subject"] == f"[TEST] {EMAIL['subject']}"
    assert message["X-CRM-Test"] == "rendered for bo@example.com"
    text = str(message.get_body(("plain",)).get_content())
    assert text.startswith("Hi there,")  # bo has no first name: the fallback
    assert "/t/c/" in text and "{{" not in text
    assert crm.json(*base, "campaigns", "status", key) == before


def test_test_send_on_the_database(
    crm: Crm, provider: respx.Route, smtp_sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_SMTP_URL", f"smtp://127.0.0.1:{smtp_sink.port}")
    _check(crm, smtp_sink)


def test_test_send_through_the_api(
    crm: Crm, provider: respx.Route, smtp_sink: Sink, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_API_KEY", KEY)
    settings = Settings(
        db_url="mem://", api_keys=KEY, smtp_url=f"smtp://127.0.0.1:{smtp_sink.port}",
        **LLM_SETTINGS,
    )  # fmt: skip
    with serving(settings) as url:
        _check(crm, smtp_sink, "--api-url", url)


def test_an_address_is_needed(crm: Crm) -> None:
    assert "Missing option '--to'" in crm.fails("campaigns", "test-send", "x", code=2)


def test_approving_from_the_default_sender_warns(crm: Crm, provider: respx.Route) -> None:
    key = _campaign(crm)

    approved = crm("campaigns", "approve", key)

    assert approved.exit_code == 0, approved.output
    assert "Approved" in approved.stdout
    assert "Warning: the sender is still the default" in " ".join(approved.stderr.split())
