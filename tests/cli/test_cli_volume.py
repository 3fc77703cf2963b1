"""LLM work over the threshold of calls asks first: `crm enrich --ai` on more contacts than
cli.volume.CONFIRM_ABOVE, and `crm campaigns generate` of personalised emails for as many
members (locally and through the API), show the count and ask on a terminal, go ahead with
--yes, and a script without --yes is refused with one line, before any call."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx

from cli import volume
from cli.main import app
from crm_cli import Crm
from factories import write_csv
from fake_llm import LLM_SETTINGS
from kernel.settings import Settings
from live_api import serving

MANY = volume.CONFIRM_ABOVE + 1
KEY = "volume-test-key"


def _contacts(crm: Crm, tmp_path: Path, count: int) -> None:
    rows = [["email"]] + [[f"person{n}@example.com"] for n in range(count)]
    crm.json("contacts", "import", write_csv(tmp_path / "many.csv", rows))


def test_a_script_without_yes_is_refused_before_any_call(
    crm: Crm, provider: respx.Route, tmp_path: Path
) -> None:
    _contacts(crm, tmp_path, MANY)

    error = crm.fails("enrich", "--ai")

    assert f"AI enrichment makes up to {MANY} LLM calls. Add --yes to go ahead." in error
    assert provider.call_count == 0


def test_a_person_at_a_terminal_is_asked_and_can_say_no(
    crm: Crm, provider: respx.Route, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _contacts(crm, tmp_path, MANY)
    monkeypatch.setattr(volume, "_terminal", lambda: True)

    result = crm.runner.invoke(app, ["enrich", "--ai"], input="n\n")

    assert result.exit_code == 1
    assert f"AI enrichment makes up to {MANY} LLM calls. Go ahead?" in result.stderr
    assert provider.call_count == 0


def test_yes_goes_ahead(crm: Crm, provider: respx.Route, tmp_path: Path) -> None:
    _contacts(crm, tmp_path, MANY)
    assert crm.json("enrich", "--ai", "--yes")["processed"] == MANY
    assert provider.call_count > 0


def test_work_under_the_threshold_does_not_ask(
    crm: Crm, provider: respx.Route, tmp_path: Path
) -> None:
    _contacts(crm, tmp_path, 3)
    assert crm.json("enrich", "--ai")["processed"] == 3


def _personalised(crm: Crm, tmp_path: Path, *base: str) -> str:
    """A campaign that writes one email per member, for MANY members."""
    rows = [["email"]] + [[f"person{n}@example.com"] for n in range(MANY)]
    crm.json(*base, "contacts", "import", write_csv(tmp_path / "many.csv", rows))
    crm.json(*base, "segments", "create", "everyone", "--rule", "email exists")
    campaign = crm.json(
        *base, "campaigns", "create", "Spring", "--segment", "everyone", "--channel", "email",
        "--brief", "Invite them to the spring webinar", "--personalize",
    )  # fmt: skip
    return str(campaign["id"])


def test_personalised_generation_counts_its_calls_and_a_script_needs_yes(
    crm: Crm, provider: respx.Route, tmp_path: Path
) -> None:
    key = _personalised(crm, tmp_path)

    error = crm.fails("campaigns", "generate", key)

    # One email for the segment and one per member.
    calls = MANY + 1
    assert f"Generating the assets of campaign {key} makes up to {calls} LLM calls." in error
    assert "Add --yes to go ahead." in error
    assert provider.call_count == 0
    assert crm.json("campaigns", "generate", key, "--yes")["created"] == calls
    # Nothing is missing any more: generating again makes no call, so it does not ask; writing
    # everything again does.
    assert crm.json("campaigns", "generate", key)["kept"] == calls
    assert f"makes up to {calls} LLM calls" in crm.fails(
        "campaigns", "generate", key, "--regenerate"
    )


def test_through_the_api_the_server_counts_the_calls(
    crm: Crm, provider: respx.Route, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_API_KEY", KEY)
    with serving(Settings(db_url="mem://", api_keys=KEY, **LLM_SETTINGS)) as url:
        key = _personalised(crm, tmp_path, "--api-url", url)

        error = crm.fails("--api-url", url, "campaigns", "generate", key)
        assert f"makes up to {MANY + 1} LLM calls. Add --yes to go ahead." in error
        assert provider.call_count == 0

        # Only the segment's email is left when the personalised ones are turned off.
        done = crm.json("--api-url", url, "campaigns", "generate", key, "--no-personalize")
        assert done["created"] == 1
