"""`crm workspaces …`, `--workspace`, and API keys that carry a workspace and a role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from cli.main import app
from crm_cli import Crm
from kernel.settings import load_settings


def test_create_prints_id_and_name_and_each_workspace_keeps_its_own_data(crm: Crm) -> None:
    made = crm.json("workspaces", "create", "Acme GmbH")
    assert made["name"] == "Acme GmbH"
    assert made["id"]

    crm.json("--workspace", "acme gmbh", "contacts", "add", "--email", "ana@example.com")
    crm.json("contacts", "add", "--email", "bo@example.com")

    acme = crm.json("-w", made["id"], "contacts", "list")["items"]
    main = crm.json("contacts", "list")["items"]
    assert [c["email"] for c in acme] == ["ana@example.com"]
    assert [c["email"] for c in main] == ["bo@example.com"]
    names = [w["name"] for w in crm.json("workspaces", "list")]
    assert names == ["main", "Acme GmbH"]


def test_names_are_unique_whatever_the_case_and_rename_keeps_the_id(crm: Crm) -> None:
    made = crm.json("workspaces", "create", "Acme")

    assert "exists already" in crm.fails("workspaces", "create", "ACME")
    renamed = crm.json("workspaces", "rename", "acme", "Acme Corp")
    assert (renamed["id"], renamed["name"]) == (made["id"], "Acme Corp")
    assert "no workspace" in crm.fails("-w", "Acme", "contacts", "list")


def test_delete_removes_the_data_and_refuses_the_default(crm: Crm) -> None:
    made = crm.json("workspaces", "create", "Temp")
    crm.json("-w", "Temp", "contacts", "add", "--email", "ana@example.com")

    assert "cannot be deleted" in crm.fails("workspaces", "delete", "main", "--yes")
    gone = crm.json("workspaces", "delete", "Temp", "--yes")
    assert gone == {"id": made["id"], "name": "Temp", "deleted": True}
    assert [w["name"] for w in crm.json("workspaces", "list")] == ["main"]
    crm.json("workspaces", "create", "Temp")
    assert crm.json("-w", "Temp", "contacts", "list")["items"] == []


def test_delete_asks_first(crm: Crm) -> None:
    crm.json("workspaces", "create", "Temp")

    answer = crm.runner.invoke(app, ["workspaces", "delete", "Temp"], input="n\n")

    assert answer.exit_code == 1
    assert [w["name"] for w in crm.json("workspaces", "list")] == ["main", "Temp"]


@pytest.mark.parametrize(("role", "can_write"), [("viewer", False), ("editor", True)])
def test_an_api_key_works_in_its_workspace_with_its_role(
    crm: Crm, role: str, can_write: bool
) -> None:
    crm.json("workspaces", "create", "Acme")
    crm.json("-w", "Acme", "contacts", "add", "--email", "ana@example.com")
    crm.json("contacts", "add", "--email", "bo@example.com")
    key = crm.json("apikeys", "create", "--name", "ci", "--role", role, "--workspace", "Acme")
    assert set(key) >= {"id", "key"}
    assert key["role"] == role

    with TestClient(create_app(load_settings())) as client:
        headers = {"Authorization": f"Bearer {key['key']}"}
        listed = client.get("/api/v1/contacts", headers=headers).json()["items"]
        added = client.post("/api/v1/contacts", json={"email": "cy@example.com"}, headers=headers)

    assert [c["email"] for c in listed] == ["ana@example.com"]
    assert added.status_code == (201 if can_write else 403)
