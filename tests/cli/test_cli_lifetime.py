"""The `crm` executable runs one command and ends (kernel.lifetime): an embedded engine that
wrote nothing is left open to the process's end, which then comes at once. What a user sees
stays the same: the whole output, the exit code, and the file free for the next process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from filelock import FileLock

WAIT = 60.0


def _crm(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        env=env | {"CRM_DATA_DIR": str(data_dir), "CRM_KEEP_OPEN": "0"},
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=False,
    )


def test_a_read_ends_with_its_whole_output_and_leaves_the_file_free(
    isolated_data_dir: Path,
) -> None:
    emails = [f"p{i}@example.com" for i in range(120)]
    for email in emails[:3]:
        assert _crm(isolated_data_dir, "contacts", "add", "--email", email).returncode == 0
    rows = isolated_data_dir / "more.csv"
    rows.write_text("email\n" + "\n".join(emails[3:]) + "\n")
    assert _crm(isolated_data_dir, "contacts", "import", str(rows)).returncode == 0

    listed = _crm(isolated_data_dir, "contacts", "list", "--json", "--limit", "500")

    assert listed.returncode == 0, listed.stderr
    assert sorted(c["email"] for c in json.loads(listed.stdout)["items"]) == sorted(emails)
    db_file = isolated_data_dir / "crm.db"
    assert not db_file.with_name("crm.db.owner").exists()
    lock = FileLock(str(db_file.with_name("crm.db.lock")))
    lock.acquire(timeout=0)  # the ended process holds it no more
    lock.release()


def test_a_failed_read_keeps_its_message_and_exit_code(isolated_data_dir: Path) -> None:
    assert _crm(isolated_data_dir, "init").returncode == 0

    shown = _crm(isolated_data_dir, "contacts", "show", "nobody@example.com")

    assert shown.returncode == 1
    assert "no contact 'nobody@example.com'" in shown.stderr
    assert _crm(isolated_data_dir, "contacts", "list", "--json").returncode == 0
