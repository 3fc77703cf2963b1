"""Landing page rules: slugs, draft/published, generation from a brief, form submissions."""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crm.contacts import service as contacts
from crm.contacts.models import ConsentRecord, ContactCreate, Status
from crm.db import Database
from crm.events import service as events
from kernel.errors import Conflict, NotFound, ValidationFailed
from kernel.logs import get_logger
from landing_pages import repository
from landing_pages.forms import consent_field, consent_version, with_consent_box
from landing_pages.models import (
    LandingPage,
    LandingPageCreate,
    LandingPageUpdate,
    PageBrief,
    PageStatus,
    SourceCampaign,
    StoredSubmission,
    Submission,
    SubmissionPage,
    SubmitResult,
)
from llm_tools.inputs import Brand, Campaign
from llm_tools.landing_page import LandingPageIn, write_landing_page

if TYPE_CHECKING:
    from llm_tools.gateway import Gateway

log = get_logger(__name__)
MAX_SLUG_TRIES = 5
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
SUBMITTED = "form_submitted"  # the event kind a submission records


def slugify(text: str, *, max_length: int = 40) -> str:
    """Lowercase ASCII words joined by dashes, cut at a word boundary to `max_length`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SLUG_CHARS.sub("-", ascii_text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1].rfind("-")
        slug = slug[: cut if cut > 0 else max_length].strip("-")
    return slug or "page"


async def _free_slug(db: Database, base: str) -> str:
    taken = await repository.slugs_like(db, base)
    if base not in taken:
        return base
    for n in range(2, 100):
        candidate = f"{base[:56]}-{n}"
        if candidate not in taken:
            return candidate
    return f"{base[:50]}-{secrets.token_hex(3)}"


async def create(
    db: Database, data: LandingPageCreate, *, slug_from: str | None = None
) -> LandingPage:
    """The slug is `data.slug`, else made from `slug_from` (default: the headline), with a
    number added only when taken."""
    explicit = data.slug is not None
    base = slugify(slug_from or data.spec.headline)
    slug = data.slug or await _free_slug(db, base)
    row: dict[str, Any] = {
        "slug": slug,
        "title": data.title or data.spec.seo_title,
        "spec": data.spec.model_dump(mode="json"),
        "status": PageStatus.PUBLISHED if data.publish else PageStatus.DRAFT,
    }
    if data.campaign:
        row["campaign"] = data.campaign
    if data.publish:
        row["published_at"] = datetime.now(UTC)
    for _ in range(MAX_SLUG_TRIES):
        try:
            return LandingPage.model_validate(await repository.create(db, row))
        except Conflict:
            if explicit:
                raise Conflict(f"the slug {slug!r} is taken", details={"slug": slug}) from None
            # Someone took it between the check and the write: the unique index decided.
            row["slug"] = await _free_slug(db, base)
            row["slug"] = f"{row['slug'][:52]}-{secrets.token_hex(3)}"
    raise Conflict("could not find a free slug; pass one explicitly")


async def generate(
    db: Database,
    brief: PageBrief,
    gateway: Gateway,
    *,
    slug: str | None = None,
    publish: bool = False,
) -> LandingPage:
    """Ask the landing_page tool for a spec and store it as a page (a draft unless `publish`),
    its slug made from the campaign's name."""
    inp = LandingPageIn(
        campaign=Campaign(
            name=brief.name, brief=brief.brief, link=brief.link, sender_name=brief.sender_name
        ),
        brand=Brand(
            name=brief.sender_name or brief.name, **({"voice": brief.voice} if brief.voice else {})
        ),
        audience=brief.audience,
    )
    spec = await write_landing_page(inp, gateway=gateway, run=brief.campaign_id)
    if brief.consent_box:
        spec = with_consent_box(spec)
    page = await create(
        db,
        LandingPageCreate(spec=spec, slug=slug, campaign=brief.campaign_id, publish=publish),
        slug_from=brief.name,
    )
    log.info("landing_pages.generated", page=page.id, campaign=brief.campaign_id)
    return page


async def get(db: Database, ref: str) -> LandingPage | None:
    """By slug or id."""
    row = await repository.by_slug(db, ref.strip().lower()) or await repository.get(db, ref)
    return LandingPage.model_validate(row) if row else None


async def require(db: Database, ref: str) -> LandingPage:
    page = await get(db, ref)
    if page is None:
        raise NotFound(f"no landing page {ref!r}")
    return page


async def published(db: Database, slug: str) -> LandingPage | None:
    row = await repository.by_slug(db, slug)
    if row is None or row["status"] != PageStatus.PUBLISHED:
        return None
    return LandingPage.model_validate(row)


async def list_pages(
    db: Database,
    *,
    campaign: str | None = None,
    status: PageStatus | None = None,
    limit: int = 100,
) -> list[LandingPage]:
    rows = await repository.list_pages(
        db, campaign=campaign, status=status.value if status else None, limit=limit
    )
    return [LandingPage.model_validate(r) for r in rows]


async def update(db: Database, ref: str, data: LandingPageUpdate) -> LandingPage:
    page = await require(db, ref)
    changes: dict[str, Any] = {}
    if data.spec is not None:
        changes["spec"] = data.spec.model_dump(mode="json")
    if data.title is not None:
        changes["title"] = data.title
    if data.slug is not None and data.slug != page.slug:
        changes["slug"] = data.slug
    if not changes:
        return page
    try:
        return LandingPage.model_validate(await repository.update(db, page.id, changes))
    except Conflict:
        raise Conflict(f"the slug {data.slug!r} is taken", details={"slug": data.slug}) from None


async def set_status(db: Database, ref: str, status: PageStatus) -> LandingPage:
    page = await require(db, ref)
    if page.status == status:
        return page
    changes: dict[str, Any] = {"status": status.value}
    if status == PageStatus.PUBLISHED:
        changes["published_at"] = datetime.now(UTC)
    return LandingPage.model_validate(await repository.update(db, page.id, changes))


async def delete(db: Database, ref: str) -> LandingPage:
    page = await require(db, ref)
    await repository.delete(db, page.id)
    return page


def _contact_fields(answers: dict[str, str | bool]) -> dict[str, str]:
    from landing_pages.forms import CONTACT_FIELDS

    fields: dict[str, str] = {}
    for name, target in CONTACT_FIELDS.items():
        value = answers.get(name)
        if isinstance(value, str) and value and target not in fields:
            fields[target] = value
    full_name = answers.get("name") or answers.get("full_name")
    if isinstance(full_name, str) and full_name and "first_name" not in fields:
        first, _, last = full_name.partition(" ")
        fields["first_name"] = first
        if last.strip() and "last_name" not in fields:
            fields["last_name"] = last.strip()
    return fields


def _consent(page: LandingPage, submission: Submission, ip: str) -> ConsentRecord | None:
    box = consent_field(page.spec)
    if box is None or not submission.consent:
        return None
    return ConsentRecord(
        text=box.label,
        version=consent_version(box.label),
        at=datetime.now(UTC),
        page=page.slug,
        ip=ip[:64] or "unknown",
    )


async def submit(
    db: Database, page: LandingPage, submission: Submission, *, ip: str
) -> SubmitResult:
    """Upsert the contact (filling only what it lacks), record consent (only with the page's
    consent box ticked) and the event."""
    fields = _contact_fields(submission.answers)
    try:
        data = ContactCreate.model_validate(
            {
                "email": submission.email,
                "source": "form",
                "source_detail": f"landing_page:{page.slug}",
                "status": Status.ENGAGED,
                "consent": _consent(page, submission, ip),
                **fields,
            }
        )
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ValidationFailed(f"the form's values are not valid: {exc}") from None
    contact_id, created = await contacts.upsert_from_form(db, data)
    await events.record_event(
        db,
        contact_id,
        SUBMITTED,
        page=page.slug,
        campaign=page.campaign,
        utm=submission.utm,
        answers={k: (v[:500] if isinstance(v, str) else v) for k, v in submission.answers.items()},
        consent=submission.consent,
        created=created,
    )
    log.info("landing_pages.submitted", page=page.slug, campaign=page.campaign, created=created)
    return SubmitResult(contact_id=contact_id, created=created)


async def submissions(
    db: Database, ref: str, *, cursor: str | None = None, limit: int = 50
) -> SubmissionPage:
    """The page's form submissions, newest first, a page at a time (those made while it had
    its current slug)."""
    page = await require(db, ref)
    rows, next_cursor = await events.on_page(db, SUBMITTED, page.slug, cursor=cursor, limit=limit)
    items = [
        StoredSubmission.model_validate(
            {
                **r["data"],
                "id": r["id"],
                "at": r["at"],
                "contact": r["contact"],
                "email": r["email"],
            }
        )
        for r in rows
    ]
    return SubmissionPage(items=items, next_cursor=next_cursor)


async def generate_for_campaign(
    db: Database,
    campaign: SourceCampaign,
    gateway: Gateway,
    *,
    audience: str | None = None,
    slug: str | None = None,
    publish: bool = False,
) -> LandingPage:
    """A page written from the campaign's brief (`generate`)."""
    brief = PageBrief.from_campaign(campaign, audience=audience)
    return await generate(db, brief, gateway, slug=slug, publish=publish)
