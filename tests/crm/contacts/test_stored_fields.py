"""What a contact stores, whichever path wrote it: only fields its table defined while it checked
every field (schema 0022 stopped the check; the service's models hold writes to these), and a
search key that matches its email and names (written by crm since schema 0024)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crm.contacts import service as contacts
from crm.contacts.importer import ImportOptions, OnDuplicate, import_csv
from crm.contacts.models import Contact, ContactCreate, ContactUpdate, Status, search_key
from crm.db import Database
from crm.enrichment import service as enrichment
from crm.enrichment.models import RunOptions
from crm.events import service as events
from factories import consent_record, csv_text, make_contact

DEFINED_BEFORE_0022 = frozenset({
    "city", "clicked_campaigns", "clicks", "company", "consent", "consent_at", "consent_explicit",
    "consent_source", "country", "created_at", "custom", "department", "disposable", "email",
    "email_domain", "email_key", "engagement_score", "enrichment", "enrichment_runs",
    "first_name", "free_mail", "last_clicked_at", "last_engaged_at", "last_name",
    "last_opened_at", "last_submitted_at", "opened_campaigns", "opens", "phone", "role_address",
    "search_key", "seniority", "source", "source_detail", "status", "submissions",
    "submitted_campaigns", "tags", "title", "updated_at",
})  # fmt: skip


async def stored(db: Database) -> list[dict[str, Any]]:
    return [dict(row) for row in await db.one("SELECT * FROM contact")]


async def test_every_write_stores_only_the_contact_fields_and_the_right_key(
    db: Database, tmp_path: Path
) -> None:
    ada = await make_contact(
        db, email="ada@example.com", first_name="Ada", company="Acme", tags=["vip"],
        custom={"plan": "pro"}, consent=consent_record(),
    )  # fmt: skip
    await contacts.upsert_from_form(
        db, ContactCreate(email="ada@example.com", last_name="Byron", phone="+49 30 1234567",
                          consent=consent_record())
    )  # fmt: skip
    await contacts.update(
        db, ada.id, ContactUpdate(last_name="Lovelace", company=None, status=Status.QUALIFIED)
    )
    await contacts.upsert_from_form(
        db, ContactCreate(email="bob@example.com", first_name="Bob", company="Beta",
                          consent=consent_record())
    )  # fmt: skip
    for kind in ("email_opened", "email_clicked", "form_submitted"):
        await events.record_event(db, ada.id, kind, campaign="c1")
    rows = tmp_path / "contacts.csv"
    rows.write_text(
        csv_text([["email", "first_name", "title", "company"],
                  ["ada@example.com", "Augusta", "CTO", "Acme"],
                  ["grace.hopper@navy.example.org", "", "Head of Sales", "Gamma"]])
    )  # fmt: skip
    await import_csv(db, rows, ImportOptions(on_duplicate=OnDuplicate.UPDATE))
    await contacts.update(db, "bob@example.com", ContactUpdate(email="Robert@Example.com"))
    await enrichment.run(db, RunOptions())

    contacts_stored = await stored(db)

    fields = {field for row in contacts_stored for field in row} - {"id"}
    assert fields <= DEFINED_BEFORE_0022, sorted(fields - DEFINED_BEFORE_0022)
    # The writes above did store what each path sets.
    assert {"company", "consent", "phone", "opens", "seniority", "enrichment"} <= fields
    assert {(row["email"], row["search_key"]) for row in contacts_stored} == {
        (row["email"], search_key(row)) for row in contacts_stored
    }
    names = {row["email"]: (row.get("first_name"), row.get("last_name")) for row in contacts_stored}
    assert names["ada@example.com"] == ("Augusta", "Lovelace")
    assert names["grace.hopper@navy.example.org"] == ("Grace", "Hopper")  # by the enrichment
    assert "Robert@example.com" in names


async def test_a_contact_stores_no_copy_of_its_source_or_creation_time(db: Database) -> None:
    # Issue 14 (bytes per contact): what equals another field is read from it.
    ada = await make_contact(db, email="ada@example.com", first_name="Ada")
    [row] = await stored(db)
    assert "consent_source" not in row and "updated_at" not in row
    assert (ada.consent_source, ada.updated_at) == (ada.source, row["created_at"])

    await contacts.upsert_from_form(
        db, ContactCreate(email="ada@example.com", source="form", consent=consent_record())
    )
    changed = await contacts.require(db, ada.id)

    [row] = await stored(db)
    assert (row["consent_source"], changed.consent_source, changed.source) == (
        "form",
        "form",
        ada.source,
    )
    assert row["updated_at"] == changed.updated_at > changed.created_at == ada.created_at


async def test_a_projection_naming_the_unstored_fields_reads_them_from_the_others(
    db: Database,
) -> None:
    await make_contact(db, email="ada@example.com", source="api")
    [row] = await db.one("SELECT *, record::id(id) AS id, consent_source, updated_at FROM contact")
    assert row["updated_at"] is None  # what the engine gives for a field not stored

    contact = Contact.model_validate(row)

    assert (contact.consent_source, contact.updated_at) == ("api", contact.created_at)
