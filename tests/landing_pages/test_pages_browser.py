"""A real browser against a real `crm serve`: open a published page, fill in the form, send
it, and find the contact in the database. Hostile generated content must not run.

Needs the Debian `chromium` package (`make system-deps`) and Python `playwright` (no
`playwright install`: the system browser is used). Skipped when either is missing.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS
from crm.contacts import service as contacts
from crm.db import connect
from crm.schema import migrate
from factories import make_page
from kernel.settings import Settings

HOSTILE_SECTIONS = [
    {
        "heading": "Why <script>window.__pwned = 'heading'</script>teams switch",
        "body": (
            "Write the brief once.<img src=x onerror=\"window.__pwned='img'\">\n\n"
            "<a href=\"javascript:window.__pwned='link'\">Read more</a> "
            "<b onmouseover=\"window.__pwned='hover'\">Nothing is sent twice.</b>"
        ),
        "bullets": ["<svg onload=\"window.__pwned='svg'\"></svg>Exactly-once delivery"],
    }
]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make system-deps)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"surrealkv://{tmp_path / 'browser.db'}"


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], url: str) -> None:
        self.proc = proc
        self.url = url

    def stop(self) -> None:
        """SIGTERM, and wait: uvicorn shuts down and the database file is unlocked."""
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[Server]:
    async def prepare() -> None:
        async with connect(Settings(db_url=db_url)) as db:
            await migrate(db)
            await make_page(db, slug="launch", sections=HOSTILE_SECTIONS)

    asyncio.run(prepare())
    port = free_port()
    env = {
        **os.environ,
        "CRM_DB_URL": db_url,
        "CRM_DATA_DIR": str(tmp_path / "data"),
        "CRM_SECRET_KEY": "browser-test-secret",
        "CRM_FORM_MIN_SECONDS": "0",
        "CRM_API_KEYS": "browser-test-key",
    }
    crm = Path(sys.executable).with_name("crm")
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(crm), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    running = Server(proc, url)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((tmp_path / "serve.log").read_text())
            time.sleep(0.1)
        yield running
    finally:
        running.stop()
        log.close()


async def test_a_visitor_submits_the_form_and_becomes_a_contact(
    server: Server, db_url: str, tmp_path: Path
) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    ARTIFACTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    async with playwright_api.async_playwright() as pw:
        context = await pw.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=CHROMIUM,
            args=LAUNCH_ARGS,
            headless=True,
        )
        try:
            page = await context.new_page()
            page.on("dialog", lambda d: dialogs.append(d.message))
            response = await page.goto(f"{server.url}/lp/launch?utm_source=browser-test")
            assert response is not None and response.status == 200
            await page.hover("b")
            await page.click("text=Read more", timeout=2000, no_wait_after=True)
            assert await page.evaluate("window.__pwned") is None
            assert await page.locator("script").count() == 0
            await page.screenshot(path=str(ARTIFACTS / "landing_page.png"), full_page=True)

            await page.fill("#f-email", "visitor@example.com")
            await page.fill("#f-first_name", "Vera")
            await page.fill("#f-company", "Globex")
            await page.click("button[type=submit]")
            await page.wait_for_url("**/lp/launch/thanks")
            assert "Thank you" in await page.content()
            await page.screenshot(path=str(ARTIFACTS / "landing_page_thanks.png"))
            assert await page.evaluate("window.__pwned") is None
        finally:
            await context.close()
    assert dialogs == []

    with httpx.Client(base_url=server.url) as client:
        shown = client.get(
            "/api/v1/contacts/visitor@example.com",
            headers={"Authorization": "Bearer browser-test-key"},
        )
    assert shown.status_code == 200

    server.stop()
    async with connect(Settings(db_url=db_url)) as db:
        contact = await contacts.require(db, "visitor@example.com")
        _, events = await contacts.history(db, contact.id)
    assert (contact.first_name, contact.company_name, contact.source) == ("Vera", "Globex", "form")
    submitted = next(e for e in events if e.kind == "form_submitted")
    assert submitted.data["utm"] == {"source": "browser-test"}
