"""A campaign's schedules in the console: what is created shows in the list and in the API,
pause and delete work, bad timing is told on the form, and only roles that may schedule see
the controls (a crafted request from the others is refused)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from console_browser import Browser

from accounts.audit import service as audit_log
from accounts.roles import Role
from accounts.workspaces.models import Workspace
from crm.db import Database
from factories import make_ready_campaign
from kernel.settings import Settings
from scheduling import service as schedules

Person = Callable[[Role], Awaitable[Browser]]


async def test_a_schedule_created_shows_in_the_list_and_the_api_and_can_be_paused_and_deleted(
    person: Person, db: Database, system: Database, main: Workspace, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=console_settings, contacts_count=1)
    page = f"/app/campaigns/{campaign.id}/schedules"
    admin = await person(Role.ADMIN)
    assert f'href="{page}"' in (await admin.get(f"/app/campaigns/{campaign.id}")).text

    created = await admin.submit(
        page, page, {"cron": "0 9 * * MON", "tz": "Europe/Berlin", "missed": "skip"}
    )
    once = await admin.submit(page, page, {"at": "2036-12-01T09:00", "tz": "UTC"})
    listed = await admin.get(page)
    api = (await admin.get(f"/api/v1/campaigns/{campaign.id}/schedules")).json()["items"]

    assert created.status_code == once.status_code == 303
    assert "cron <code>0 9 * * MON</code>" in listed.text
    assert "once at 2036-12-01 09:00 UTC" in listed.text
    assert sorted((s["cron"] or "", s["tz"], s["missed"]) for s in api) == [
        ("", "UTC", "catch_up"),
        ("0 9 * * MON", "Europe/Berlin", "skip"),
    ]
    weekly = next(s["id"] for s in api if s["cron"])
    paused = await admin.submit(page, f"{page}/{weekly}/pause")
    assert paused.status_code == 303
    assert (await schedules.require(db, weekly)).state.value == "paused"
    assert 'data-schedule-action="resume"' in (await admin.get(page)).text
    deleted = await admin.submit(page, f"{page}/{weekly}/delete")
    assert deleted.status_code == 303
    left = (await admin.get(f"/api/v1/campaigns/{campaign.id}/schedules")).json()["items"]
    assert [s["cron"] for s in left] == [None]
    audited = [e.action for e in await audit_log.entries(system, main.id, limit=10)]
    assert {"schedule.create", "schedule.pause", "schedule.delete"} <= set(audited)


async def test_bad_timing_is_told_on_the_form_and_nothing_is_created(
    person: Person, db: Database, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=console_settings, contacts_count=1)
    page = f"/app/campaigns/{campaign.id}/schedules"
    admin = await person(Role.ADMIN)

    both = await admin.submit(page, page, {"at": "2036-12-01T09:00", "cron": "0 9 * * *"})
    bad_cron = await admin.submit(page, page, {"cron": "every monday"})
    past = await admin.submit(page, page, {"at": "2001-01-01T09:00"})

    assert both.status_code == bad_cron.status_code == past.status_code == 422
    assert "give exactly one of `at` (once) or `cron` (recurring)" in both.text
    assert 'role="alert"' in bad_cron.text and "cron" in bad_cron.text
    assert "is in the past" in past.text
    assert await schedules.list_schedules(db, target=campaign.id) == []


async def test_an_editor_sees_no_schedule_controls_and_a_crafted_post_is_refused(
    person: Person, db: Database, console_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=console_settings, contacts_count=1)
    page = f"/app/campaigns/{campaign.id}/schedules"
    editor = await person(Role.EDITOR)

    shown = await editor.get(page)
    crafted = await editor.submit(page, page, {"cron": "0 9 * * MON"})

    assert shown.status_code == 200
    assert "Create schedule" not in shown.text and "data-schedule-action" not in shown.text
    assert crafted.status_code == 403
    assert "lacks the permission &#39;schedule&#39;" in crafted.text
    assert await schedules.list_schedules(db, target=campaign.id) == []
