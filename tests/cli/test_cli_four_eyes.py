"""`crm workspaces set --four-eyes on`: local commands act as `cli`, so an asset edited with
`crm` cannot then be approved with `crm` in that workspace."""

from __future__ import annotations

import respx

from crm_cli import Crm

LINK = "https://example.com/webinar"


def test_the_four_eyes_rule_refuses_the_local_editors_approval(
    crm: Crm, provider: respx.Route
) -> None:
    crm.json("contacts", "add", "--email", "ada@example.com", "--first-name", "Ada")
    crm.json("segments", "create", "everyone", "--rule", "email exists")
    key: str = crm.json(
        "campaigns", "create", "Spring", "--segment", "everyone", "--channel", "email",
        "--brief", "Invite them to the spring webinar", "--link", LINK,
    )["id"]  # fmt: skip
    crm.json("campaigns", "generate", key)
    assert crm.json("workspaces", "set", "main", "--four-eyes", "on")["four_eyes"] is True
    crm.json("campaigns", "edit-asset", key, "--channel", "email", "--subject", "Spring seats")

    refused = crm.fails("campaigns", "approve", key)

    assert "four-eyes rule: cli edited the assets last (email segment)" in refused
    shown = crm("workspaces", "set", "main", "--four-eyes", "off")
    assert "Workspace main: four-eyes rule off" in shown.stdout
    assert crm.json("campaigns", "approve", key)["state"] == "approved"
