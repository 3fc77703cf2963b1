"""`crm summarize`: an engagement summary written by the configured model (a fake provider)."""

from __future__ import annotations

import pytest

from crm_cli import Crm
from fake_llm import API_BASE, MODEL, SUMMARY, fake_provider


def test_prints_the_models_summary_of_a_contact(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_LLM_MODEL", MODEL)
    monkeypatch.setenv("CRM_LLM_API_BASE", API_BASE)
    monkeypatch.setenv("CRM_LLM_API_KEY", "test-llm-key")
    ada = crm.json("contacts", "add", "--email", "ada@example.com", "--first-name", "Ada")

    with fake_provider() as provider:
        summary = crm.json("summarize", "ada@example.com")

    assert summary == {"contact_id": ada["id"], **SUMMARY, "events_used": 1, "events_dropped": 0}
    assert provider.call_count == 1


def test_an_unknown_contact_is_one_line(crm: Crm) -> None:
    assert "no contact" in crm.fails("summarize", "nobody@example.com")
