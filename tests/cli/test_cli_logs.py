"""Logs go to the log file in the data dir; on stderr only with `crm --verbose`, so they never
break a progress bar or mix with what a command prints."""

from __future__ import annotations

import json
from pathlib import Path

from crm_cli import Crm


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
