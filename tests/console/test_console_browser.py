"""The main job in a real browser (headless Chromium driven by Playwright): sign in, import a
CSV, build a segment and see its count, create a campaign, generate it with the fake LLM, edit
the subject, approve, run it to the outbox, and see the counts and the funnel. A screenshot of
each page goes to tests/artifacts/.

The app runs in this process under uvicorn (so the fake LLM provider, respx, answers its
model calls); the browser is Debian's `chromium` (`make system-deps`), never a downloaded one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from accounts.roles import Role
from accounts.users import service as users
from accounts.workspaces import service as workspaces
from accounts.workspaces.models import DEFAULT_WORKSPACE
from api.app import create_app
from api.deps import AppState, open_system_of
from browser import ARTIFACTS, CHROMIUM, LAUNCH_ARGS
from campaigns import service as campaigns
from campaigns.models import State
from crm.db import Database
from factories import csv_text, make_ready_campaign
from fake_llm import LLM_SETTINGS, fake_provider
from kernel.settings import Settings
from smtp_sink import free_port

PASSWORD = "correct horse battery"
SUBJECT = "Your seat at the spring webinar"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (make system-deps)"
)


@pytest.fixture
async def served(db: Database, tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = Settings(
        db_url="mem://",
        secret_key="browser-secret",  # type: ignore[arg-type]
        base_url=url,
        outbox_dir=tmp_path / "outbox",
        **LLM_SETTINGS,
    )
    app = create_app(settings, database=db)
    state: AppState = app.state.crm
    system = await open_system_of(state)
    main = await workspaces.require(system, DEFAULT_WORKSPACE)
    await users.add(system, "ana@example.com", Role.ADMIN, main, PASSWORD)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    with fake_provider():
        task = asyncio.create_task(server.serve())
        while not server.started:
            assert not task.done(), "the server did not start"
            await asyncio.sleep(0.05)
        try:
            yield url
        finally:
            server.should_exit = True
            await task


async def _until(page: Any, selector: str, text: str, tries: int = 60) -> None:
    """Reload the page (it works without JavaScript) until `selector` shows `text`."""
    for _ in range(tries):
        if (await page.locator(selector).first.inner_text()).strip() == text:
            return
        await asyncio.sleep(0.5)
        await page.reload()
    raise AssertionError(f"{selector} never showed {text!r}: {await page.content()}")


async def _press(page: Any, selector: str) -> None:
    """Click a form's button and wait for the page the form leads to."""
    button = page.locator(selector)
    await button.scroll_into_view_if_needed()
    async with page.expect_navigation():
        await button.click()


async def test_the_main_job_in_the_browser(served: tuple[str, Settings], tmp_path: Path) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    url = served
    ARTIFACTS.mkdir(exist_ok=True)
    leads = tmp_path / "leads.csv"
    rows = [["email", "first_name", "company"]]
    rows += [[f"lead{n}@example.com", f"Lee{n}", "Acme"] for n in range(3)] + [["not-an-email"]]
    leads.write_text(csv_text(rows))
    console_errors: list[str] = []

    async def shot(page: Any, name: str) -> None:
        await page.screenshot(path=str(ARTIFACTS / f"console_{name}.png"), full_page=True)

    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True
        )
        try:
            page = await browser.new_page(viewport={"width": 375, "height": 800})
            page.on(
                "console",
                lambda m: console_errors.append(m.text) if m.type == "error" else None,
            )

            await page.goto(f"{url}/app")
            assert page.url == f"{url}/app/login"
            await shot(page, "login")
            await page.fill("#email", "ana@example.com")
            await page.fill("#password", PASSWORD)
            await _press(page, "button:has-text('Sign in')")
            await page.wait_for_url(f"{url}/app")
            assert "admin" in await page.inner_text("header")
            await shot(page, "dashboard")

            await page.goto(f"{url}/app/contacts")
            await page.set_input_files("#file", str(leads))
            await _press(page, "button:has-text('Import')")
            await page.wait_for_selector("[data-count=created]")
            assert await page.inner_text("[data-count=created]") == "3"
            assert await page.inner_text("[data-count=failed]") == "1"
            await shot(page, "import")

            await page.goto(f"{url}/app/segments")
            await page.fill("#rule", 'company = "Acme"')
            # console.js counts as you type, through the REST preview and the session cookie.
            live = playwright_api.expect(page.locator("#rule-count"))
            await live.to_have_text("3 contacts match.")
            await _press(page, "button:has-text('Count and preview')")
            assert await page.inner_text("[data-count=rule]") == "3"
            await page.fill("#seg-name", "acme")
            await _press(page, "button:has-text('Save segment')")
            assert await page.inner_text("[data-segment-count=acme]") == "3"
            await shot(page, "segments")

            await page.goto(f"{url}/app/campaigns")
            await page.fill("#cmp-name", "Spring webinar")
            await page.select_option("#cmp-segment", "acme")
            await page.fill("#cmp-goal", "Invite Acme to the spring release webinar")
            await _press(page, "button:has-text('Create campaign')")
            await _press(page, "[data-action=generate]")
            await _until(page, "[data-state]", "review")
            await shot(page, "campaign_review")

            await page.fill("#subject-1", SUBJECT)
            await _press(page, "button:has-text('Save as a new version')")
            assert await page.inner_text("[data-subject]") == SUBJECT
            assert "version 2, edited" in await page.content()
            frame = page.frame_locator("iframe.preview")
            assert "spring release" in await frame.locator("body").inner_text()
            if await page.locator("#override").count():
                await page.fill("#override", "reviewed by hand in the browser test")
            await _press(page, "[data-action=approve]")
            assert await page.inner_text("[data-state]") == "approved"

            await _press(page, "[data-action=run]")
            await _until(page, "[data-state]", "completed")
            assert await page.inner_text("[data-count=sent]") == "3"
            assert await page.inner_text("[data-funnel=sent]") == "3"
            assert await page.locator("svg.chart").count() == 1
            await shot(page, "campaign_done")

            await page.goto(f"{url}/app")
            assert await page.inner_text("[data-count=contacts]") == "3"
            await shot(page, "dashboard_after")
        finally:
            await browser.close()

    assert console_errors == [], console_errors  # no CSP violation, no script error
    sent = list((tmp_path / "outbox").rglob("*.eml"))
    assert len(sent) == 3
    assert all(SUBJECT in path.read_text() for path in sent)


async def test_a_running_campaign_page_follows_its_state_without_a_reload(
    served: str, db: Database
) -> None:
    playwright_api = pytest.importorskip("playwright.async_api")
    url = served
    campaign = await make_ready_campaign(
        db, settings=Settings(db_url="mem://", base_url=url), contacts_count=1
    )
    running = await campaigns.move(db, campaign, State.RUNNING)
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True
        )
        try:
            page = await browser.new_page()
            await page.goto(f"{url}/app/login")
            await page.fill("#email", "ana@example.com")
            await page.fill("#password", PASSWORD)
            await _press(page, "button:has-text('Sign in')")
            await page.goto(f"{url}/app/campaigns/{running.id}")
            assert await page.inner_text("[data-state]") == "running"

            await campaigns.pause(db, running.id)

            # console.js polls the status API and reloads the page once the state changed.
            shown = playwright_api.expect(page.locator("[data-state]"))
            await shown.to_have_text("paused", timeout=20_000)
            assert await page.locator("[data-action=resume]").count() == 1
            ARTIFACTS.mkdir(exist_ok=True)
            for name, path in (
                ("schedules", "schedules"),
                ("asset_history", "assets/email/segment/history"),
            ):
                await page.goto(f"{url}/app/campaigns/{running.id}/{path}")
                await page.screenshot(path=str(ARTIFACTS / f"console_{name}.png"), full_page=True)
        finally:
            await browser.close()
