"""`crm demo`: the README's main job, end to end on the embedded defaults and the local model."""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from crm_cli import Crm


@pytest.mark.local_model
def test_the_demo_sends_every_time_it_runs(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRM_LLM_MODEL", raising=False)  # the default: local/smollm2
    monkeypatch.delenv("CRM_SMTP_URL", raising=False)

    first = crm.json("demo")
    again = crm.json("demo")

    assert (first["import"]["created"], first["import"]["failed"]) == (8, 1)
    assert (again["import"]["created"], again["import"]["skipped"]) == (0, 9)
    for run in (first, again):
        campaign = run["campaign"]
        assert campaign["model"] == "local/smollm2"
        assert (campaign["state"], campaign["sent"], campaign["files"]) == ("completed", 8, 8)
    assert first["campaign"]["id"] != again["campaign"]["id"]
    message = email.message_from_bytes(Path(again["campaign"]["example_file"]).read_bytes())
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["To"].endswith(".example>")
