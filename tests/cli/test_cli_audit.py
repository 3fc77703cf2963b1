"""`crm audit`, what commands record on the local path, and `crm apikeys` through the API."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cli.audit import parse_since
from crm_cli import Crm
from kernel.settings import Settings
from live_api import serving

KEY = "audit-test-key-0123456789"


def _actions(crm: Crm, *args: str) -> list[tuple[str, str]]:
    return [(e["action"], e["target"]) for e in crm.json(*args, "audit")["items"]]


def test_local_commands_record_as_cli_with_the_os_user(crm: Crm, tmp_path: Path) -> None:
    acme = crm.json("workspaces", "create", "Acme")
    key = crm.json("apikeys", "create", "--name", "sync", "--role", "editor")
    crm.json("apikeys", "revoke", key["id"])
    ada = crm.json("contacts", "add", "--email", "ada@example.com")
    crm.json("contacts", "delete", "ada@example.com")
    crm.fails("contacts", "delete", "ada@example.com")  # failed: not recorded
    crm.json("contacts", "export", tmp_path / "out.csv")

    log = crm.json("audit")["items"]

    assert [(e["action"], e["target"]) for e in log] == [
        ("contacts.export", ""),
        ("contact.delete", f"contact:{ada['id']}"),
        ("apikey.revoke", f"apikey:{key['id']}"),
        ("apikey.create", f"apikey:{key['id']}"),
        ("workspace.create", f"workspace:{acme['id']}"),
    ]
    assert {(e["actor"], e["actor_name"], e["workspace"]) for e in log} == {
        ("cli", getpass.getuser(), "main")
    }
    assert key["key"] not in crm("audit", "--json").stdout


def test_each_workspace_has_its_own_log(crm: Crm) -> None:
    crm.json("workspaces", "create", "Acme")
    crm.json("--workspace", "Acme", "segments", "create", "all", "--rule", "email exists")
    crm.json("--workspace", "Acme", "segments", "delete", "all")

    assert _actions(crm, "--workspace", "Acme") == [("segment.delete", "segment:all")]
    assert [a for a, _ in _actions(crm)] == ["workspace.create"]


def test_since_and_limit(crm: Crm) -> None:
    for name in ("a", "b", "c"):
        crm.json("workspaces", "create", name)

    assert len(crm.json("audit", "--limit", "2")["items"]) == 2
    assert len(crm.json("audit", "--since", "1h")["items"]) == 3
    assert crm.json("audit", "--since", "2999-01-01T00:00")["items"] == []
    assert "neither an ISO time" in crm.fails("audit", "--since", "yesterday", code=2)


def test_since_reads_ages_and_iso_times() -> None:
    now = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
    assert parse_since("2h", now) == datetime(2026, 5, 10, 10, 0, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2026, 5, 3, 12, 0, tzinfo=UTC)
    assert parse_since("2026-05-01T09:00") == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[tuple[Crm, str]]:
    """`crm --api-url` at a server in this process, with an admin key of its `main`."""
    with serving(Settings(db_url="mem://", api_keys=KEY)) as url:
        monkeypatch.setenv("CRM_DB_URL", "mem://")  # nothing local: only the API has the data
        monkeypatch.setenv("CRM_API_KEY", KEY)
        yield Crm(tmp_path / "unused.db"), url


def test_apikeys_and_audit_go_through_the_api(remote: tuple[Crm, str]) -> None:
    crm, url = remote

    made = crm.json("--api-url", url, "apikeys", "create", "--name", "sync", "--role", "editor")
    assert (made["role"], made["workspace"]) == ("editor", "main") and made["key"]
    listed = crm.json("--api-url", url, "apikeys", "list")
    assert [(k["name"], k["revoked_at"]) for k in listed] == [("sync", None)]
    revoked = crm.json("--api-url", url, "apikeys", "revoke", made["prefix"])
    assert revoked["revoked_at"]

    log = crm.json("--api-url", url, "audit")["items"]
    assert [(e["action"], e["target"]) for e in log] == [
        ("apikey.revoke", f"apikey:{made['id']}"),
        ("apikey.create", f"apikey:{made['id']}"),
    ]
    assert {e["actor_name"] for e in log} == {"CRM_API_KEYS[0]"}

    owner = ("--api-url", url, "apikeys", "create", "--name", "boss", "--role", "owner")
    assert "cannot create a key with the role owner" in crm.fails(*owner)
    elsewhere = ("--api-url", url, "apikeys", "create", "--name", "x", "--workspace", "other")
    assert "no workspace 'other'" in crm.fails(*elsewhere)
