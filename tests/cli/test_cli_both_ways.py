"""The same commands on the local database and through a server's REST API print the same
JSON: the two implementations of the CLI's client cannot drift apart unseen."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from crm_cli import Crm
from kernel.settings import Settings
from live_api import serving

KEY = "both-ways-key"
CAMPAIGN = "{campaign}"
SCRIPT: list[tuple[str, ...]] = [
    ("companies", "add", "--name", "Acme", "--domain", "acme.com", "--size", "40"),
    ("contacts", "add", "--email", "ada@example.com", "--first-name", "Ada",
     "--company", "Acme", "--country", "DE", "--tag", "vip"),
    ("contacts", "add", "--email", "linus@example.fi", "--country", "FI", "--tag", "vip"),
    ("contacts", "update", "ada@example.com", "--status", "engaged", "--tag", "speaker",
     "--untag", "vip", "--field", "talks=3"),
    ("contacts", "show", "ada@example.com"),
    ("contacts", "list"),
    ("contacts", "list", "--company", "acme.com", "--status", "engaged"),
    ("contacts", "list", "--tag", "vip", "--search", "linus"),
    ("companies", "update", "acme.com", "--industry", "SaaS"),
    ("companies", "list"),
    ("companies", "show", "acme.com"),
    ("segments", "create", "germans", "--rule", 'country = "DE"'),
    ("segments", "update", "germans", "--description", "Our German contacts"),
    ("segments", "list"),
    ("segments", "show", "germans"),
    ("segments", "count", "germans"),
    ("segments", "count", "--rule", 'country = "FI"'),
    ("segments", "preview", "germans"),
    ("segments", "preview", "--rule", 'tags contains "vip"'),
    ("contacts", "list", "--segment", "germans"),
    ("campaigns", "create", "Spring", "--segment", "germans", "--channel", "email",
     "--brief", "Invite them to the spring webinar", "--from", "hello@example.com"),
    ("campaigns", "list"),
    ("campaigns", "show", CAMPAIGN),
    ("campaigns", "status", CAMPAIGN),
    ("llm", "calls"),
    ("campaigns", "cancel", CAMPAIGN),
    ("contacts", "delete", "linus@example.fi"),
    ("segments", "delete", "germans"),
]  # fmt: skip
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")


def play(crm: Crm, *base: str) -> list[Any]:
    """Every command of the script, in order: the JSON each printed."""
    printed: list[Any] = []
    campaign = ""
    for command in SCRIPT:
        args = [campaign if a == CAMPAIGN else a for a in command]
        out = crm.json(*base, *args)
        if command[:2] == ("campaigns", "create"):
            campaign = out["id"]
        printed.append(out)
    return printed


def normalized(printed: list[Any]) -> list[Any]:
    """Record ids (random per database) numbered in the order they first appear, times
    blanked, lists in a stable order."""
    ids: dict[str, str] = {}

    def collect(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), str):
                ids.setdefault(value["id"], f"<id {len(ids)}>")
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(printed)
    text = TIME.sub("<time>", json.dumps(printed))
    for found, name in ids.items():
        text = text.replace(found, name)
    return [_sorted(out) for out in json.loads(text)]


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_sorted(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


def test_the_commands_print_the_same_locally_and_through_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_DB_URL", f"surrealkv://{tmp_path / 'local.db'}")
    local = play(Crm(tmp_path / "local.db"))

    monkeypatch.setenv("CRM_API_KEY", KEY)
    with serving(Settings(db_url="mem://", api_keys=KEY)) as url:
        remote = play(Crm(tmp_path / "unused.db"), "--api-url", url)

    for command, here, there in zip(SCRIPT, normalized(local), normalized(remote), strict=True):
        assert here == there, " ".join(command)
