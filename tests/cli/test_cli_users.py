"""`crm users …`: add with a password or an invitation, list, change roles, remove, reset."""

from __future__ import annotations

import json
import re
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from cli.main import app
from crm_cli import Crm

PASSWORD = "correct horse battery"


def _link(outbox_file: str) -> str:
    parsed: Any = message_from_bytes(Path(outbox_file).read_bytes(), policy=policy.default)
    found = re.search(r"http://\S+/auth/set-password\?token=\S+", parsed.get_content())
    assert found
    return found.group(0)


def test_users_are_added_invited_listed_and_given_roles(crm: Crm) -> None:
    args = ["users", "add", "boss@example.com", "--role", "owner", "--password-stdin", "--json"]
    result = crm.runner.invoke(app, args, input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    owner = json.loads(result.stdout)
    assert owner["role"] == "owner" and owner["invitation"] is None and not owner["pending"]

    invited = crm.json("users", "add", "Ana@Example.com", "--role", "editor")
    assert invited["email"] == "ana@example.com" and invited["pending"]
    assert invited["invitation"]["purpose"] == "invitation"
    assert _link(invited["invitation"]["sent_via"]).startswith("http://127.0.0.1:8000/auth/")
    shown = crm("users", "add", "cy@example.com", "--role", "viewer")
    assert "Invitation sent to the outbox" in shown.stdout

    listed = crm.json("users", "list")
    assert [(m["email"], m["role"], m["pending"]) for m in listed] == [
        ("ana@example.com", "editor", True),
        ("boss@example.com", "owner", False),
        ("cy@example.com", "viewer", True),
    ]
    assert crm.json("users", "role", "ana@example.com", "admin")["role"] == "admin"
    assert crm.json("users", "remove", "cy@example.com")["email"] == "cy@example.com"
    assert "last owner of workspace 'main'" in crm.fails("users", "remove", "boss@example.com")
    assert "last owner" in crm.fails("users", "role", "boss@example.com", "admin")
    assert "not a member" in crm.fails("users", "remove", "cy@example.com")
    assert [m["email"] for m in crm.json("users", "list")] == [
        "ana@example.com",
        "boss@example.com",
    ]


def test_users_of_another_workspace_and_password_resets(crm: Crm) -> None:
    crm.json("workspaces", "create", "Acme")
    crm.json("users", "add", "ana@example.com", "--role", "admin", "--workspace", "acme")

    assert crm.json("users", "list") == []
    assert [m["role"] for m in crm.json("users", "list", "--workspace", "Acme")] == ["admin"]
    sent = crm.json("users", "reset", "ANA@example.com")
    assert sent["purpose"] == "reset" and sent["to"] == "ana@example.com"
    assert "/auth/set-password?token=" in _link(sent["sent_via"])
    assert "no user nobody@example.com" in crm.fails("users", "reset", "nobody@example.com")
    assert "no password on stdin" in crm.fails(
        "users", "add", "x@example.com", "--role", "viewer", "--password-stdin"
    )
