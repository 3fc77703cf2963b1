"""CLI fixtures: `crm` runs in process against a surrealkv file (mem:// is new per command)."""

from __future__ import annotations

from pathlib import Path

import pytest
from crm_cli import Crm


@pytest.fixture
def crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Crm:
    db_path = tmp_path / "cli.db"
    monkeypatch.setenv("CRM_DB_URL", f"surrealkv://{db_path}")
    return Crm(db_path)
