"""The dashboard's last 30 days of sends, opens, clicks and form submissions: a chart per
series and the numbers as a table, the same numbers `GET /api/v1/analytics/activity` gives."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from console_browser import Browser

from accounts.roles import Role
from campaigns import executor
from crm.db import Database
from crm.events import service as events
from factories import make_contact, make_ready_campaign
from kernel.settings import Settings

Person = Callable[[Role], Awaitable[Browser]]
ROW = re.compile(
    r"<tr><th scope=\"row\">([\d-]+)</th><td>(\d+)</td><td>(\d+)</td>"
    r"<td>(\d+)</td><td>(\d+)</td></tr>"
)


async def test_the_dashboard_charts_the_last_30_days_as_the_api_counts_them(
    db: Database, person: Person, outbox_settings: Settings
) -> None:
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=2)
    await executor.run(db, campaign.id, outbox_settings)
    ada = await make_contact(db, email="ada@example.com")
    await events.record_event(db, ada.id, "email_opened")
    await events.record_event(db, ada.id, "form_submitted")
    browser = await person(Role.VIEWER)

    page = await browser.get("/app")
    api = await browser.get("/api/v1/analytics/activity")

    assert page.status_code == 200 and api.status_code == 200
    for label in ("Messages sent", "Email opens", "Email clicks", "Form submissions"):
        assert f'aria-label="{label} per day"' in page.text
    table = {day: tuple(map(int, n)) for day, *n in ROW.findall(page.text)}
    assert len(table) == 30
    today = datetime.now(UTC).date().isoformat()
    assert table[today] == (2, 1, 0, 1)
    assert sum(sum(n) for day, n in table.items() if day != today) == 0
    assert {
        d["day"]: (d["sent"], d["opened"], d["clicked"], d["submitted"]) for d in api.json()["days"]
    } == table
