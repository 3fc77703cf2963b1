"""A campaign's assets in the console: each hand edit is a version with who made it, the history
page shows what changed, and one asset can be written again by the (fake) LLM."""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Iterator

import pytest
import respx
from console_browser import Browser

from accounts.audit import service as audit_log
from accounts.roles import Role
from accounts.workspaces.models import Workspace
from api.deps import AppState
from campaigns import assets, service
from campaigns.models import State
from crm.db import Database
from crm.llm_calls.service import gateway
from factories import make_ready_campaign
from fake_llm import EMAIL, LLM_SETTINGS, fake_provider
from kernel.settings import Settings

Person = Callable[[Role], Awaitable[Browser]]
BODY = "Hi there,\n\nSee what is new: https://example.com/spring?x=1&y=2\n\nBest regards"


@pytest.fixture
def provider(state: AppState) -> Iterator[respx.Route]:
    llm_settings = Settings(db_url="mem://", **LLM_SETTINGS)
    state.gateway_factory = lambda db: gateway(db, llm_settings)
    with fake_provider() as route:
        yield route


def _text(answer_html: str, selector: str) -> str:
    found = re.search(rf'<pre class="diff" data-diff="{selector}">(.*?)</pre>', answer_html, re.S)
    assert found, answer_html
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


async def test_the_history_shows_who_edited_and_the_diff_against_the_version_before(
    person: Person, db: Database, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=1, approve=False
    )
    page = f"/app/campaigns/{campaign.id}"
    editor = await person(Role.EDITOR)
    new_body = BODY.replace("Best regards", "See you <there> & soon")

    saved = await editor.submit(
        page, f"{page}/assets/email/segment", {"subject": "Spring, at last", "body": new_body}
    )
    shown = await editor.get(f"{page}/assets/email/segment/history")

    assert saved.status_code == 303
    assert shown.status_code == 200
    assert 'data-author="2">hand edit by editor@example.com<' in shown.text
    assert "Version 2 against version 1" in shown.text
    body_diff = _text(shown.text, "body")
    assert "removed: - Best regards" in body_diff
    assert "added: + See you <there> & soon" in body_diff
    assert "&lt;there&gt; &amp; soon" in shown.text  # escaped, never markup
    subject_diff = _text(shown.text, "subject")
    assert "removed: - Spring is here" in subject_diff
    assert "added: + Spring, at last" in subject_diff
    first = await editor.get(f"{page}/assets/email/segment/history?version=1")
    assert "Version 1, the first" in first.text
    assert "added: + Spring is here" in _text(first.text, "subject")
    api = await editor.get(f"/api/v1/campaigns/{campaign.id}/assets/email/segment/versions")
    assert [v["version"] for v in api.json()["items"]] == [1, 2]
    assert api.json()["items"][1]["content"]["subject"] == "Spring, at last"


async def test_an_unknown_asset_has_no_history(
    person: Person, db: Database, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=1, approve=False
    )
    viewer = await person(Role.VIEWER)

    missing = await viewer.get(f"/app/campaigns/{campaign.id}/assets/x/segment/history")

    assert missing.status_code == 404
    assert "has no x asset" in missing.text


async def test_writing_one_asset_again_replaces_the_hand_edit_with_the_models_text(
    person: Person,
    db: Database,
    system: Database,
    main: Workspace,
    state: AppState,
    console_settings: Settings,
    provider: respx.Route,
) -> None:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=1, channels=("email", "x"), approve=False
    )
    page = f"/app/campaigns/{campaign.id}"
    editor = await person(Role.EDITOR)
    edited = await editor.submit(page, f"{page}/assets/email/segment", {"subject": "By hand"})
    assert edited.status_code == 303
    assert 'data-action="regenerate"' in (await editor.get(page)).text

    answer = await editor.submit(page, f"{page}/assets/email/segment/regenerate")
    assert answer.status_code == 303
    [job] = [j for j in state.jobs._jobs.values() if j.kind == "campaign.assets"]
    done = await state.jobs.wait(job.id)

    assert done is not None and done.status == "done", done
    assert done.result is not None and done.result["created"] == 1
    assert done.result["cost"] > 0
    assert provider.call_count == 1  # the one asset, not the x post
    shown = await editor.get(page)
    assert f"<strong data-subject>{EMAIL['subject']}</strong>" in shown.text
    assert "version 3</span>" in shown.text and "By hand" not in shown.text
    current = {a.channel: a for a in await assets.list_assets(db, campaign.id)}
    assert (current["email"].version, current["email"].edited) == (3, False)
    assert current["x"].version == 1
    history = await editor.get(f"{page}/assets/email/segment/history")
    assert 'data-author="3">generated by' in history.text
    audited = await audit_log.entries(system, main.id, limit=10)
    assert ("campaign.regenerate", f"campaign:{campaign.id}") in [
        (e.action, e.target) for e in audited
    ]
    subject_diff = _text(history.text, "subject")
    assert "removed: - By hand" in subject_diff
    assert f"added: + {EMAIL['subject']}" in subject_diff


async def test_a_viewer_cannot_write_an_asset_again(
    person: Person, db: Database, console_settings: Settings, provider: respx.Route
) -> None:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=1, approve=False
    )
    page = f"/app/campaigns/{campaign.id}"
    viewer = await person(Role.VIEWER)

    shown = await viewer.get(page)
    crafted = await viewer.submit(page, f"{page}/assets/email/segment/regenerate")

    assert 'data-action="regenerate"' not in shown.text
    assert "History and changes" in shown.text
    assert crafted.status_code == 403
    assert provider.call_count == 0
    assert [a.version for a in await assets.list_assets(db, campaign.id)] == [1]


async def test_a_campaign_at_work_shows_its_progress_and_a_refresh_link(
    person: Person, db: Database, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(
        db, settings=console_settings, contacts_count=1, channels=("email", "x"), approve=False
    )
    await service.move(db, campaign, State.GENERATING)
    viewer = await person(Role.VIEWER)

    shown = await viewer.get(f"/app/campaigns/{campaign.id}")

    assert "<strong data-state>generating</strong>" in shown.text
    assert f'<a href="/app/campaigns/{campaign.id}" data-refresh>Refresh</a>' in shown.text
    assert 'max="2" value="2">2 of 2</progress>' in shown.text
    assert f'data-live-status="/api/v1/campaigns/{campaign.id}/status"' in shown.text
