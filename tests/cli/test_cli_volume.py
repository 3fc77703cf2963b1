"""LLM work over the threshold of calls asks first: `crm enrich --ai` on more contacts than
cli.volume.CONFIRM_ABOVE shows the count and asks on a terminal, goes ahead with --yes, and a
script without --yes is refused with one line, before any call."""

from __future__ import annotations

from pathlib import Path

import pytest
import respx

from cli import volume
from cli.main import app
from crm_cli import Crm
from factories import write_csv

MANY = volume.CONFIRM_ABOVE + 1


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
