"""Landing pages in the console: edit a page's text and form (the public page shows it), and
its form submissions, newest first in cursor pages, with the CSV for roles that may export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Awaitable, Callable

import httpx
from console_browser import Browser

from accounts.audit import service as audit_log
from accounts.roles import Role
from accounts.workspaces.models import Workspace
from api.deps import AppState
from crm.db import Database
from crm.events import service as events
from factories import make_contact, make_page
from landing_pages import service as pages
from landing_pages.models import LandingPage

Person = Callable[[Role], Awaitable[Browser]]
FORM_TOKEN = re.compile(r'name="_form" value="([^"]+)"')


async def _fill_public_form(
    client: httpx.AsyncClient, state: AppState, slug: str, fields: dict[str, str]
) -> None:
    """A visitor: opens the hosted page, takes a human's time, sends the form."""
    opened = await client.get(f"/lp/{slug}")
    token = FORM_TOKEN.search(opened.text)
    assert opened.status_code == 200 and token
    now = state.clock()
    state.clock = lambda: now + 10
    sent = await client.post(f"/lp/{slug}/submit", data={"_form": token[1], **fields})
    state.clock = lambda: now
    assert sent.status_code == 303, sent.text


def _as_posted(page: LandingPage) -> dict[str, str]:
    """What a browser posts for the edit form of `page` as it is (ticked boxes only)."""
    spec = page.spec
    posted = {
        "title": page.title,
        "slug": page.slug,
        "headline": spec.headline,
        "subheadline": spec.subheadline,
        "cta": spec.call_to_action.label,
        "seo_title": spec.seo_title,
        "seo_description": spec.seo_description,
    }
    for i, section in enumerate(spec.sections):
        posted |= {
            f"section{i}_heading": section.heading,
            f"section{i}_body": section.body,
            f"section{i}_bullets": "\n".join(section.bullets),
        }
    for i, field in enumerate(spec.form_fields):
        posted |= {f"field{i}_label": field.label, f"field{i}_name": field.name}
        posted |= {f"field{i}_type": field.type} | (
            {f"field{i}_required": "1"} if field.required else {}
        )
    return posted


async def test_an_edit_changes_the_public_page_and_its_form(
    person: Person, db: Database, state: AppState, system: Database, main: Workspace
) -> None:
    page = await make_page(db, slug="spring")
    editor = await person(Role.EDITOR)
    shown = await editor.get("/app/pages")
    assert f'href="/app/pages/{page.id}/edit"' in shown.text
    assert (await editor.client.get("/lp/spring")).status_code == 200  # cached before the edit
    edit = f"/app/pages/{page.id}/edit"
    values = _as_posted(page)
    values.update(
        {
            "title": "Spring webinar",
            "headline": "Faster reports, live",
            "section0_heading": "What you will see",
            "section1_heading": "Who should come",
            "section1_body": "Anyone who builds the monthly report by hand.",
            "section1_bullets": "Team leads\nAnalysts",
            "field1_label": "",  # drop the first name field
            "field3_label": "Job title",
            "field3_type": "text",
        }
    )

    saved = await editor.submit(edit, edit, values)

    assert saved.status_code == 303, saved.text
    changed = await pages.require(db, page.id)
    assert changed.title == "Spring webinar"
    assert [s.heading for s in changed.spec.sections] == ["What you will see", "Who should come"]
    assert changed.spec.sections[1].bullets == ["Team leads", "Analysts"]
    assert [f.name for f in changed.spec.form_fields] == ["email", "company", "job_title"]
    public = await editor.client.get("/lp/spring")
    assert "Faster reports, live" in public.text and "Who should come" in public.text
    assert 'name="job_title"' in public.text and 'name="first_name"' not in public.text
    audited = await audit_log.entries(system, main.id, limit=10)
    assert ("page.edit", f"page:{page.id}") in [(e.action, e.target) for e in audited]


async def test_an_invalid_edit_is_told_on_the_form_and_nothing_changes(
    person: Person, db: Database
) -> None:
    page = await make_page(db, slug="spring")
    editor = await person(Role.EDITOR)
    edit = f"/app/pages/{page.id}/edit"
    shown = await editor.get(edit)

    no_email = await editor.submit(edit, edit, {**_as_posted(page), "field0_label": ""})

    assert shown.status_code == 200 and 'value="Ship campaigns in an afternoon"' in shown.text
    assert no_email.status_code == 422
    assert "add a field of type &#39;email&#39;" in no_email.text
    assert 'value="Ship campaigns in an afternoon"' in no_email.text  # what was typed stays
    assert (await pages.require(db, page.id)).spec == page.spec


async def test_submissions_show_newest_first_in_pages_and_download_as_csv(
    person: Person, db: Database, state: AppState, system: Database, main: Workspace
) -> None:
    page = await make_page(db, slug="spring")
    admin = await person(Role.ADMIN)
    for n in range(3):
        await _fill_public_form(
            admin.client,
            state,
            "spring",
            {"email": f"lead{n}@example.com", "company": f'=HYPERLINK("x{n}")'},
        )
    listing = f"/app/pages/{page.id}/submissions"

    shown = await admin.get(listing)
    api = await admin.get(f"/api/v1/landing-pages/{page.id}/submissions?limit=2")
    older = await admin.get(
        f"/api/v1/landing-pages/{page.id}/submissions?limit=2&cursor={api.json()['next_cursor']}"
    )
    exported = await admin.get(f"/api/v1/landing-pages/{page.id}/submissions.csv")

    assert shown.status_code == 200
    emails = re.findall(r"lead\d@example\.com", shown.text)
    assert emails == ["lead2@example.com", "lead1@example.com", "lead0@example.com"]
    assert 'data-role="export"' in shown.text
    assert [s["email"] for s in api.json()["items"]] == ["lead2@example.com", "lead1@example.com"]
    assert [s["email"] for s in older.json()["items"]] == ["lead0@example.com"]
    assert older.json()["next_cursor"] is None
    assert exported.status_code == 200
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [r["email"] for r in rows] == emails
    assert rows[0]["company"] == '\'=HYPERLINK("x2")'  # a spreadsheet shows it, never runs it
    assert rows[0]["created"] == "true"
    audited = await audit_log.entries(system, main.id, limit=10)
    assert "page.submissions_export" in [e.action for e in audited]


async def test_submissions_page_in_pages_of_fifty(person: Person, db: Database) -> None:
    page = await make_page(db, slug="spring")
    contact = await make_contact(db, email="many@example.com")
    submitted = [
        events.event(contact.id, "form_submitted", page="spring", answers={"n": str(n)})
        for n in range(55)
    ]
    await events.add(db, submitted)
    viewer = await person(Role.VIEWER)

    first = await viewer.get(f"/app/pages/{page.id}/submissions")
    older = re.search(r'<a rel="next" href="([^"]+)"', first.text)
    assert older
    second = await viewer.get(older.group(1).replace("&amp;", "&"))

    assert first.text.count("data-submission=") == 50
    assert second.text.count("data-submission=") == 5
    assert 'rel="next"' not in second.text
    assert 'data-role="export"' not in first.text


async def test_a_viewer_cannot_edit_nor_export(person: Person, db: Database) -> None:
    page = await make_page(db, slug="spring")
    viewer = await person(Role.VIEWER)

    listed = await viewer.get("/app/pages")
    crafted = await viewer.submit("/app/pages", f"/app/pages/{page.id}/edit", {"title": "Mine"})
    export = await viewer.get(f"/api/v1/landing-pages/{page.id}/submissions.csv")

    assert 'data-role="edit"' not in listed.text
    assert crafted.status_code == 403
    assert (await pages.require(db, page.id)).title == page.title
    assert export.status_code == 403
