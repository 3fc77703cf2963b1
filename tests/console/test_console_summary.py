"""The contact page's AI summary button: editors get the model's summary with its cost (the
fake provider, a priced model); viewers see no button and a crafted POST calls no model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import respx
from console_browser import Browser

from accounts.roles import Role
from crm.db import Database
from crm.llm_calls.service import recent_calls
from factories import make_contact
from fake_llm import SUMMARY

Person = Callable[[Role], Awaitable[Browser]]
PAGE = "/app/contacts/ada@example.com"


async def test_an_editor_gets_the_summary_with_its_cost(
    person: Person, db: Database, provider: respx.Route
) -> None:
    await make_contact(db, email="ada@example.com", first_name="Ada")
    editor = await person(Role.EDITOR)
    assert "Summarize with AI" in (await editor.get(PAGE)).text

    answer = await editor.submit(PAGE, PAGE + "/summary")

    assert answer.status_code == 200
    assert SUMMARY["summary"] in answer.text and SUMMARY["next_step"] in answer.text
    [call] = await recent_calls(db, limit=10)
    assert call.cost and call.cost > 0
    assert f"<dd data-cost>${call.cost:.5f}</dd>" in answer.text
    assert provider.call_count == 1


async def test_a_viewer_has_no_button_and_a_crafted_post_calls_no_model(
    person: Person, db: Database, provider: respx.Route
) -> None:
    await make_contact(db, email="ada@example.com", first_name="Ada")
    viewer = await person(Role.VIEWER)
    assert "/summary" not in (await viewer.get(PAGE)).text

    crafted = await viewer.submit(PAGE, PAGE + "/summary")

    assert crafted.status_code == 403
    assert provider.call_count == 0
    assert await recent_calls(db, limit=10) == []
