"""`crm campaigns show / edit-asset / approve`: reviewing the assets before anything goes out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.output import JSON_OPTION, emit, fail, stderr, stdout
from cli.runtime import run

if TYPE_CHECKING:
    from campaigns.models import Asset, Campaign
    from campaigns.quality import Finding
    from cli.client.connect import Client

ID = typer.Argument(..., help="Campaign id.")
_EMAIL_PARTS = ("subject", "preheader", "body", "body_html")
CONTACT_OPTION = typer.Option(
    None, "--contact", help="The personalised email of this contact (id or email)."
)


async def _variant(client: Client, contact: str | None, variant: str) -> str:
    from campaigns.models import CONTACT_VARIANT_PREFIX

    if contact is None:
        return variant
    found, _ = await client.contacts.history(contact)
    return CONTACT_VARIANT_PREFIX + found.id


def _asset_panel(asset: Asset) -> None:
    from rich.markup import escape
    from rich.panel import Panel

    content = asset.content
    if "subject" in content:
        parts = [(part, str(content[part])) for part in _EMAIL_PARTS if content.get(part)]
        if cta := content.get("cta"):
            parts.append(("call to action", f"{cta['label']} → {cta['url']}"))
        if links := content.get("links"):
            parts.append(("links", "\n".join(links)))
        text = "\n\n".join(f"[bold]{part}:[/bold]\n{escape(value)}" for part, value in parts)
    else:
        text = escape(str(content.get("full_text") or content.get("text", "")))
    cost = f"${asset.cost:.4f}" if asset.cost is not None else "unknown cost"
    title = f"{asset.channel} · {asset.variant} · v{asset.version}" + (
        " · edited" if asset.edited else ""
    )
    subtitle = (
        f"{asset.model or 'hand-written'} · {asset.tokens_in + asset.tokens_out} tokens · {cost}"
    )
    stdout.print(Panel(text, title=title, subtitle=subtitle, title_align="left"), highlight=False)


def _print_findings(findings: list[Finding], campaign: Campaign) -> None:
    if not findings:
        return
    stdout.print(f"[bold red]{len(findings)} quality finding(s)[/bold red]", highlight=False)
    for f in findings:
        stdout.print(f"  {f.channel} · {f.variant} · {f.check}: {f.message}", highlight=False)
    if campaign.quality_override:
        stdout.print(f"  approved anyway: {campaign.quality_override}", highlight=False)


def show(
    key: str = ID,
    history: bool = typer.Option(False, "--history", help="Every version of every asset."),
    every: bool = typer.Option(False, "--all", help="Also every personalised email."),
    contact: str | None = CONTACT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The campaign, its assets and what the quality gate found in them."""
    from campaigns import quality

    async def work(client: Client) -> tuple[Campaign, list[Asset]]:
        campaign, assets = await client.campaigns.show(key, history)
        if contact is None:
            return campaign, assets
        variant = await _variant(client, contact, "")
        mine = [a for a in assets if a.variant == variant]
        if not mine:
            raise fail(f"campaign {campaign.id} has no personalised email for {contact}")
        return campaign, mine

    campaign, assets = run(work)
    every = every or contact is not None
    current = assets if not history else []  # findings are about what would go out
    findings = quality.check(campaign, current)

    def render(r: dict[str, Any]) -> None:
        c: Campaign = r["campaign"]
        stdout.print(f"[bold]{c.name}[/bold] ({c.id}) — {c.state}", highlight=False)
        if c.state_reason:
            stdout.print(f"  {c.state_reason}", highlight=False)
        stdout.print(f"  segment {c.segment} · channels {', '.join(c.channels)}", highlight=False)
        stdout.print(f"  brief: {c.brief.as_text()}", highlight=False)
        personal = [a for a in r["assets"] if a.variant.startswith("contact:")]
        for asset in r["assets"]:
            if every or not asset.variant.startswith("contact:"):
                _asset_panel(asset)
        if personal and not every:
            stdout.print(f"  and {len(personal)} personalised emails (--all shows them)")
        _print_findings(r["findings"], c)

    emit({"campaign": campaign, "assets": assets, "findings": findings}, as_json, render)


def edit_asset(
    key: str = ID,
    channel: str = typer.Option(..., "--channel"),
    variant: str = typer.Option("segment", "--variant"),
    contact: str | None = CONTACT_OPTION,
    subject: str | None = typer.Option(None, "--subject"),
    preheader: str | None = typer.Option(None, "--preheader"),
    body_file: Path | None = typer.Option(
        None, "--body-file", help="New body (email) or text (social) from a file."
    ),
    cta_label: str | None = typer.Option(None, "--cta-label", help="The button's text."),
    cta_url: str | None = typer.Option(
        None, "--cta-url", help="Where the button and the body's link go."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Change an asset by hand; later generations keep the edit.

    What depends on a changed part is derived again: the HTML and preheader from the body, the
    links from the body, the body's link from --cta-url."""
    changes: dict[str, Any] = {}
    if subject is not None:
        changes["subject"] = subject
    if preheader is not None:
        changes["preheader"] = preheader
    if body_file is not None:
        text = body_file.read_text(encoding="utf-8")
        changes["body" if channel in ("email", "webhook") else "text"] = text
    cta = {"label": cta_label, "url": cta_url}
    if any(cta.values()):
        changes["cta"] = {k: v for k, v in cta.items() if v is not None}
    if not changes:
        raise fail("give --subject, --preheader, --body-file, --cta-label and/or --cta-url")

    async def work(client: Client) -> Asset:
        own = await _variant(client, contact, variant)
        return await client.campaigns.edit_asset(key, channel, changes, own)

    asset = run(work)
    emit(asset, as_json, _asset_panel)


def approve(
    key: str = ID,
    override: str | None = typer.Option(
        None, "--override", help="Approve despite quality findings; the reason is recorded."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Freeze the assets and snapshot the segment's members (after the quality gate)."""
    campaign = run(lambda client: client.campaigns.approve(key, override))
    emit(
        {"id": campaign.id, "state": campaign.state, "members": campaign.members},
        as_json,
        lambda r: stdout.print(f"Approved {r['id']}: {r['members']} members", highlight=False),
    )
    if campaign.state_reason:
        stderr.print(f"Warning: {campaign.state_reason}", highlight=False, markup=False)
