"""Logs go to the log file in the data dir; on stderr only with `crm --verbose`, so they never
break a progress bar or mix with what a command prints."""

from __future__ import annotations

import io
import json
from pathlib import Path

import structlog
from rich.console import Console
from rich.progress import Progress

from crm_cli import Crm
from kernel.logs import configure


def _create_campaign(crm: Crm, *global_options: str) -> str:
    crm.json("segments", "create", "everyone", "--rule", "email exists")
    result = crm(
        *global_options, "campaigns", "create", "Spring", "--segment", "everyone",
        "--channel", "email", "--brief", "Say hello", "--link", "https://example.com",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.stderr


def _logged_events(data_dir: Path) -> list[str]:
    lines = (data_dir / "crm.log").read_text().splitlines()
    return [json.loads(line)["event"] for line in lines]


def test_logs_go_to_the_log_file_not_the_terminal(crm: Crm, isolated_data_dir: Path) -> None:
    stderr = _create_campaign(crm)

    assert "campaigns.created" not in stderr
    assert "campaigns.created" in _logged_events(isolated_data_dir)


def test_verbose_also_prints_them_on_stderr(crm: Crm, isolated_data_dir: Path) -> None:
    stderr = _create_campaign(crm, "--verbose")

    logged = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert [line["event"] for line in logged] == ["campaigns.created"]
    assert "campaigns.created" in _logged_events(isolated_data_dir)


def test_verbose_log_lines_print_above_a_progress_bar(tmp_path: Path) -> None:
    """Rich swaps stderr for its own while a bar is live; the log writes to whatever stderr
    is at that moment, so each line lands whole above the bar instead of inside it."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200)
    configure("info", file=tmp_path / "crm.log", to_stderr=True)

    with Progress(console=console) as bar:
        task = bar.add_task("Generating assets", total=2)
        structlog.get_logger("test").info("campaigns.generated", created=2)
        bar.advance(task, 2)

    logged = [line for line in screen.getvalue().splitlines() if "campaigns.generated" in line]
    assert len(logged) == 1
    assert json.loads(logged[0][logged[0].index("{") :])["created"] == 2
