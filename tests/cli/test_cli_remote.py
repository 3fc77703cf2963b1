"""`crm` commands through a server's REST API: the local `crm serve` that holds the embedded
database (found through its server-info file), and any server named by --api-url."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import server_info
from crm_cli import Crm
from factories import page_spec, write_csv
from fake_llm import EMAIL, LLM_SETTINGS, PAGE, SUMMARY, fake_provider
from kernel.settings import Settings
from live_api import TIMEOUT, free_port, serving

KEY = "remote-test-key"


@dataclass
class Served:
    """A `crm serve` process holding an embedded database file."""

    proc: subprocess.Popen[bytes]
    url: str
    db: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=TIMEOUT)


def start_serve(folder: Path) -> Served:
    db = folder / "served.db"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env |= {"CRM_DB_URL": f"surrealkv://{db}", "CRM_DATA_DIR": str(folder), "CRM_API_KEYS": KEY}
    crm = Path(sys.executable).with_name("crm")
    log = (folder / "serve.log").open("wb")
    cmd = [str(crm), "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    served = Served(proc, f"http://127.0.0.1:{port}", db)
    deadline = time.monotonic() + TIMEOUT
    # Up once it has announced itself (the server-info file, written once the database is
    # held) and answers.
    while server_info.read(db) is None or not _healthy(served.url):
        if proc.poll() is not None or time.monotonic() > deadline:
            served.stop()
            raise RuntimeError((folder / "serve.log").read_text())
        time.sleep(0.1)
    return served


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    running = start_serve(tmp_path_factory.mktemp("served"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def local(served: Served, monkeypatch: pytest.MonkeyPatch) -> Crm:
    """`crm` pointed at the database the server holds."""
    monkeypatch.setenv("CRM_DB_URL", f"surrealkv://{served.db}")
    return Crm(served.db)


def server_contact(served: Served, email: str) -> dict[str, object]:
    """What the server itself says about a contact (its API, with a configured key)."""
    response = httpx.get(
        f"{served.url}/api/v1/contacts/{email}", headers={"Authorization": f"Bearer {KEY}"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


class TestWhileCrmServeHoldsTheDatabase:
    def test_contact_commands_go_through_the_server(self, local: Crm, served: Served) -> None:
        added = local.json(
            "contacts", "add", "--email", "grace@example.com", "--company", "Navy", "--tag", "vip"
        )
        assert server_contact(served, "grace@example.com")["id"] == added["id"]

        shown = local.json("contacts", "show", "grace@example.com")
        assert shown["id"] == added["id"]
        assert [e["kind"] for e in shown["timeline"]] == ["created"]
        updated = local.json(
            "contacts", "update", "grace@example.com", "--status", "engaged", "--untag", "vip",
            "--tag", "speaker", "--field", "talks=3",
        )  # fmt: skip
        assert (updated["status"], updated["tags"]) == ("engaged", ["speaker"])
        assert updated["custom"] == {"talks": 3}
        listed = local.json("contacts", "list", "--company", "Navy", "--tag", "speaker")
        assert [c["email"] for c in listed["items"]] == ["grace@example.com"]
        assert listed["next_cursor"] is None
        company = local.json("companies", "show", "Navy")
        assert [c["email"] for c in company["contacts"]] == ["grace@example.com"]

        assert local.json("contacts", "delete", "grace@example.com") == {"deleted": added["id"]}
        assert "no contact" in local.fails("contacts", "show", "grace@example.com")

    def test_segment_commands_go_through_the_server(self, local: Crm) -> None:
        local.json("contacts", "add", "--email", "linus@example.fi", "--country", "FI")
        created = local.json("segments", "create", "finns", "--rule", 'country = "FI"')
        assert local.json("segments", "list")["items"][-1]["id"] == created["id"]
        assert local.json("segments", "count", "finns") == {"count": 1}
        assert local.json("segments", "count", "--rule", 'country = "SE"') == {"count": 0}
        preview = local.json("segments", "preview", "finns", "--limit", "5")
        assert ([c["email"] for c in preview["items"]], preview["count"]) == (
            ["linus@example.fi"],
            1,
        )
        adhoc = local.json("segments", "preview", "--rule", 'email ~ "linus"')
        assert adhoc["count"] == 1
        renamed = local.json("segments", "update", "finns", "--name", "suomi")
        assert renamed["name"] == "suomi"
        assert local.json("segments", "show", "suomi")["snapshots"] == []
        assert local.json("segments", "delete", "suomi") == {"deleted": "suomi"}

    def test_csv_import_and_export_go_through_the_server(self, local: Crm, tmp_path: Path) -> None:
        rows = [["email", "Company"], ["ines@example.pt", "=Tasca"], ["no-at-sign", "X"]]
        upload = write_csv(tmp_path / "in.csv", rows)

        report = local.json("contacts", "import", upload, "--tag", "lisbon")

        assert (report["created"], report["failed"]) == (1, 1)
        assert report["errors"][0]["line"] == 3
        local.json("segments", "create", "lisbon", "--rule", 'tags contains "lisbon"')
        out = tmp_path / "out.csv"
        assert local.json("contacts", "export", out, "--segment", "lisbon") == {"exported": 1}
        exported = list(csv.DictReader(out.open(encoding="utf-8")))
        assert [(r["email"], r["company"]) for r in exported] == [("ines@example.pt", "'=Tasca")]
        local.json("contacts", "export", out, "--segment", "lisbon", "--raw")
        exported = list(csv.DictReader(out.open(encoding="utf-8")))
        assert [(r["email"], r["company"]) for r in exported] == [("ines@example.pt", "=Tasca")]
        message = local.fails("contacts", "import", upload, "--errors", tmp_path / "bad.csv")
        assert "--errors needs the database on this machine" in message

    def test_an_api_error_is_one_line_with_the_servers_message(self, local: Crm) -> None:
        local.json("contacts", "add", "--email", "dup@example.com")
        message = local.fails("contacts", "add", "--email", "dup@example.com")
        assert "already" in message

    def test_a_command_without_a_route_says_to_stop_the_server(
        self, local: Crm, served: Served
    ) -> None:
        message = local.fails("init")
        assert f"pid {served.proc.pid}" in message
        assert served.url in message
        assert "stop the server" in message

    def test_the_server_info_file_is_private(self, served: Served) -> None:
        info = server_info.info_file(served.db)
        assert info.stat().st_mode & 0o777 == 0o600
        token = json.loads(info.read_text())["token"]
        assert token not in (served.db.parent / "serve.log").read_text()


def test_the_server_info_file_goes_when_the_server_stops(tmp_path: Path) -> None:
    running = start_serve(tmp_path)
    running.stop()
    assert not server_info.info_file(running.db).exists()


def test_a_file_left_by_a_dead_server_is_ignored(crm: Crm) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    info = server_info.ServerInfo(url="http://127.0.0.1:9", pid=gone.pid, token="stale")
    crm.db_path.parent.mkdir(parents=True, exist_ok=True)
    server_info.write(crm.db_path, info)

    added = crm.json("contacts", "add", "--email", "ada@example.com")

    assert crm.json("contacts", "show", added["id"])["email"] == "ada@example.com"


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An API server in this process (mem:// database, a configured key, a fake model)."""
    with serving(Settings(db_url="mem://", api_keys=KEY, **LLM_SETTINGS)) as url:
        monkeypatch.setenv("CRM_DB_URL", "mem://")  # nothing local: only the API has the data
        yield url


class TestApiUrl:
    def test_the_campaign_workflow_runs_on_the_remote_server(
        self, live: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("CRM_API_KEY", KEY)
        remote = Crm(tmp_path / "unused.db")

        def crm(*args: str) -> Any:
            return remote.json("--api-url", live, *args)

        with fake_provider() as provider:
            ada = crm("contacts", "add", "--email", "ada@example.com", "--first-name", "Ada")
            crm("segments", "create", "everyone", "--rule", "email exists")
            campaign = crm(
                "campaigns", "create", "Spring", "--segment", "everyone", "--channel", "email",
                "--brief", "Invite them to the spring webinar",
            )  # fmt: skip
            key = campaign["id"]

            generated = crm("campaigns", "generate", key)
            assert (generated["created"], generated["failed"]) == (1, 0)
            assert generated["cost"] > 0
            shown = crm("campaigns", "show", key)
            assert shown["assets"][0]["content"]["subject"] == EMAIL["subject"]
            edited = crm("campaigns", "edit-asset", key, "--channel", "email",
                         "--preheader", "Seats are limited")  # fmt: skip
            assert (edited["version"], edited["content"]["preheader"]) == (2, "Seats are limited")
            assert crm("campaigns", "approve", key) == {
                "id": key,
                "state": "approved",
                "members": 1,
            }
            report = crm("campaigns", "run", key)
            assert (report["sent"], report["failed"]) == (1, 0)
            status = crm("campaigns", "status", key)
            assert (status["state"], status["sent"]) == ("completed", 1)

            page = crm(
                "pages", "generate", "--campaign", key, "--slug", "spring", "--publish", "--yes"
            )
            assert (page["slug"], page["status"], page["campaign"]) == ("spring", "published", key)
            assert page["url"].endswith("/lp/spring")
            served_page = httpx.get(f"{live}/lp/spring")
            assert PAGE["headline"] in served_page.text

            summary = crm("summarize", ada["id"])
            assert summary["summary"] == SUMMARY["summary"]
        assert provider.call_count == 3

    def test_a_page_is_edited_through_the_api_and_previewed_in_a_browser(
        self, live: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("CRM_API_KEY", KEY)
        made = httpx.post(
            f"{live}/api/v1/landing-pages",
            json={"slug": "spring", "spec": page_spec().model_dump(mode="json")},
            headers={"Authorization": f"Bearer {KEY}"},
        )
        assert made.status_code == 201, made.text
        editor = tmp_path / "editor.py"
        editor.write_text(
            "import pathlib, sys\n"
            "p = pathlib.Path(sys.argv[1])\n"
            f"p.write_text(p.read_text().replace({page_spec().headline!r}, 'Edited from afar'))\n"
        )
        monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
        remote = Crm(tmp_path / "unused.db")

        edited = remote("--api-url", live, "pages", "edit", "spring")
        link = httpx.URL(remote.json("--api-url", live, "pages", "show", "spring")["preview_url"])
        preview = httpx.get(f"{live}{link.raw_path.decode()}", headers={"accept": "text/html"})

        assert edited.exit_code == 0, edited.output
        assert "Draft page spring" in edited.stdout
        assert preview.status_code == 200
        assert "Edited from afar" in preview.text
        assert httpx.get(f"{live}/lp/spring").status_code == 404

    def test_a_wrong_key_is_refused_with_what_to_do(
        self, live: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("CRM_API_KEY", "not-the-key")

        message = Crm(tmp_path / "unused.db").fails("--api-url", live, "contacts", "list")

        assert "refused the API key (unknown API key)" in message
        assert "CRM_API_KEY" in message

    def test_commands_without_a_route_do_not_run_locally(
        self, live: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("CRM_API_URL", live)

        message = Crm(tmp_path / "unused.db").fails("workspaces", "list")

        assert "cannot go through the API of a remote server" in message
        assert live in message


def test_an_unreachable_server_is_named(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    message = Crm(tmp_path / "unused.db").fails("--api-url", url, "segments", "list")

    assert f"cannot reach the crm server at {url}" in message
