"""The email channel: a MIME message per contact, sent by SMTP or written to the outbox.

Each message has a plain-text and an HTML part (the asset's HTML body in a responsive layout,
`email.html.jinja`, with a button for its call to action), a footer with the sender's name and
postal address and an unsubscribe link, RFC 8058 one-click unsubscribe headers, tracked links
(in both parts) and an open pixel (signed tokens, see `campaigns.tracking`), a Message-ID
derived from the delivery (unique, and the same if the message is rendered again), and a DKIM
signature when a key is configured.
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import replace
from email.header import Header
from email.utils import formataddr, formatdate
from functools import cache, cached_property, lru_cache
from importlib.resources import files
from quopri import encodestring
from typing import TYPE_CHECKING

import nh3
from jinja2 import Environment, Template
from markupsafe import Markup

from campaigns.channels import message_id
from campaigns.channels.outbox import OutboxWriter
from campaigns.channels.protocol import Context, Outgoing, Rendered, Result
from campaigns.email_parts import cta_of
from campaigns.merge_fields import fill_parts
from campaigns.tracking import Tokens, click_payload, open_payload, unsubscribe_payload
from kernel.errors import ValidationFailed

if TYPE_CHECKING:
    from campaigns.channels.smtp import SmtpSender

# A test send's subject prefix and header (its value names the contact it was rendered for).
TEST_PREFIX = "[TEST] "
TEST_HEADER = "X-CRM-Test"
# The contact an unsubscribe token in a test send names: no one.
TEST = "test"
_HREF = re.compile(r'href="(https?://[^"]+)"')
# A link in the plain-text part; punctuation ending a sentence is not part of it.
_TEXT_URL = re.compile(r"https?://[^\s<>\"']+")
_TRAILING = ".,;:!?)]}"
# Headers DKIM signs; both unsubscribe headers must be covered (RFC 8058 section 4).
SIGNED_HEADERS = (
    b"from",
    b"to",
    b"subject",
    b"date",
    b"message-id",
    b"list-unsubscribe",
    b"list-unsubscribe-post",
    b"mime-version",
    b"content-type",
)


class EmailChannel:
    name = "email"

    def __init__(self, ctx: Context, transport: SmtpSender | OutboxWriter) -> None:
        self.ctx = ctx
        self.transport = transport
        # A file is safe to write again; an SMTP server would deliver a second copy.
        self.idempotent = transport.idempotent
        settings, campaign = ctx.settings, ctx.campaign
        self.from_email = campaign.from_email or settings.from_email
        self.from_name = campaign.sender_name or settings.sender_name
        self.domain = self.from_email.rpartition("@")[2] or "localhost"
        self.mailto = settings.unsubscribe_mailto or f"unsubscribe@{self.domain}"
        self.base_url = settings.base_url
        self._from = formataddr((self.from_name, self.from_email), charset="utf-8")

    @cached_property
    def _dkim(self) -> tuple[bytes, bytes, bytes] | None:
        s = self.ctx.settings
        if not (s.dkim_key_file and s.dkim_selector):
            return None
        key = s.dkim_key_file.read_bytes()
        return (s.dkim_selector.encode(), (s.dkim_domain or self.domain).encode(), key)

    def render(self, item: Outgoing) -> Rendered:
        contact = item.contact
        if contact is None or not contact.email:
            raise ValidationFailed("an email needs a contact with an email address")
        item = replace(item, content=fill_parts(item.content, contact))
        tokens, campaign = self.ctx.tokens, item.campaign
        unsubscribe_url = tokens.url(
            self.base_url, "unsubscribe", unsubscribe_payload(campaign.id, _person(item) or TEST)
        )
        unsubscribe_token = unsubscribe_url.rsplit("/", 1)[1]
        name = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        recipient = item.test_to or contact.email
        subject = str(item.content.get("subject", campaign.name))

        headers = [
            ("From", self._from),
            ("To", formataddr(("" if item.test_to else name, recipient), charset="utf-8")),
            ("Subject", _encoded(f"{TEST_PREFIX}{subject}" if item.test_to else subject)),
            ("Date", formatdate(usegmt=True)),
            ("Message-ID", message_id.make(item.delivery, campaign.id, self.domain)),
            (
                "List-Unsubscribe",
                f"<{unsubscribe_url}>, "
                # A token is URL-safe (base64url and "~"): only the space needs quoting.
                f"<mailto:{self.mailto}?subject=unsubscribe%20{unsubscribe_token}>",
            ),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
            ("X-CRM-Campaign", campaign.id),
            ("X-CRM-Delivery", item.delivery),
        ]
        if item.test_to:
            headers.append((TEST_HEADER, f"rendered for {contact.email}"))
        click = _Clicks(self.ctx.tokens, self.base_url, item)
        body = mime_alternative(
            headers,
            self._text(item, click, unsubscribe_url),
            self._html(item, click, unsubscribe_url),
        )
        if self._dkim is not None:
            body = self._sign(body)
        return Rendered(
            delivery=item.delivery,
            channel=self.name,
            filename=f"{item.delivery}.eml",
            body=body,
            recipient=recipient,
            sender=self.from_email,
        )

    def _footer_lines(self) -> list[str]:
        address = self.ctx.settings.postal_address
        return [f"{self.from_name}" + (f", {address}" if address else "")]

    def _text(self, item: Outgoing, click: _Clicks, unsubscribe_url: str) -> str:
        pieces, targets = _text_links(str(item.content.get("body", "")).rstrip())
        body = _joined(pieces, [click(target) for target in targets])
        footer = "\n".join([*self._footer_lines(), f"Unsubscribe: {unsubscribe_url}"])
        return f"{body}\n\n-- \n{footer}\n"

    def _html(self, item: Outgoing, click: _Clicks, unsubscribe_url: str) -> str:
        tokens, campaign, person = self.ctx.tokens, item.campaign, _person(item)
        pieces, targets = _html_links(str(item.content.get("body_html", "")))
        body = _joined(pieces, [f'href="{html.escape(click(target))}"' for target in targets])
        pixel = tokens.url(self.base_url, "open", open_payload(item.delivery, campaign.id, person))
        cta = cta_of(item.content, campaign.brief)
        return _layout().render(
            subject=str(item.content.get("subject", campaign.name)),
            preheader=str(item.content.get("preheader", "")),
            body=Markup(body),  # noqa: S704 - cleaned by nh3 in _html_links
            button_url=click(cta["url"]) if cta else None,
            button_text=cta["label"] if cta else None,
            footer=self._footer_lines(),
            unsubscribe_url=unsubscribe_url,
            pixel_url=pixel,
        )

    def _sign(self, body: bytes) -> bytes:
        import dkim

        assert self._dkim is not None
        selector, domain, key = self._dkim
        signature: bytes = dkim.sign(
            body, selector, domain, key, include_headers=list(SIGNED_HEADERS)
        )
        return signature + body

    async def send(self, message: Rendered) -> Result:
        return await self.transport.send(message)

    async def aclose(self) -> None:
        await self.transport.aclose()


def build_email(ctx: Context, *, dry_run: bool) -> EmailChannel:
    settings = ctx.settings
    if dry_run or not settings.smtp_url:
        return EmailChannel(ctx, OutboxWriter(ctx.outbox))
    from campaigns.channels.smtp import SmtpSender

    return EmailChannel(ctx, SmtpSender.from_url(settings.smtp_url, timeout=settings.smtp_timeout))


class _Clicks:
    """Tracked links of one message: a link to `target` counts the click, then redirects
    there. A target linked several times (in both parts, and by the button) is signed once."""

    def __init__(self, tokens: Tokens, base_url: str, item: Outgoing) -> None:
        self.tokens, self.base_url, self.item = tokens, base_url, item
        self.urls: dict[str, str] = {}

    def __call__(self, target: str) -> str:
        if target not in self.urls:
            item = self.item
            payload = click_payload(item.delivery, item.campaign.id, _person(item), target)
            self.urls[target] = self.tokens.url(self.base_url, "click", payload)
        return self.urls[target]


# The bodies of a campaign's emails are mostly the same text (filled-in merge fields aside),
# so each is cut around its links once, not once per message.
@lru_cache(maxsize=256)
def _text_links(body: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The plain body around its links: (pieces, targets), a target between each two pieces."""
    pieces: list[str] = []
    targets: list[str] = []
    start = 0
    for match in _TEXT_URL.finditer(body):
        target = match[0].rstrip(_TRAILING)
        pieces.append(body[start : match.start()])
        targets.append(target)
        start = match.start() + len(target)
    pieces.append(body[start:])
    return tuple(pieces), tuple(targets)


@lru_cache(maxsize=256)
def _html_links(body_html: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The HTML body, cleaned (hand-edited HTML as generated HTML: no scripts, styles or
    handlers), around its `href="…"` attributes: (pieces, targets)."""
    cleaned = nh3.clean(body_html)
    pieces: list[str] = []
    targets: list[str] = []
    start = 0
    for match in _HREF.finditer(cleaned):
        pieces.append(cleaned[start : match.start()])
        targets.append(html.unescape(match[1]))
        start = match.end()
    pieces.append(cleaned[start:])
    return tuple(pieces), tuple(targets)


def _joined(pieces: tuple[str, ...], links: list[str]) -> str:
    return "".join(piece + link for piece, link in zip(pieces, [*links, ""], strict=True))


@cache
def _layout() -> Template:
    source = files("campaigns.channels").joinpath("email.html.jinja").read_text("utf-8")
    return Environment(autoescape=True, trim_blocks=True).from_string(source)


def _person(item: Outgoing) -> str | None:
    """The contact that tracking tokens name: none in a test send."""
    return item.contact.id if item.contact and not item.test_to else None


def _encoded(text: str) -> str:
    """A header value as RFC 2047 encoded words when it is not plain ASCII."""
    if text.isascii():
        return text
    return Header(text, "utf-8").encode(linesep="\r\n")


def _qp(text: str) -> bytes:
    """Quoted-printable with CRLF line ends, as SMTP wants."""
    return encodestring(text.replace("\r\n", "\n").encode("utf-8")).replace(b"\n", b"\r\n")


def mime_alternative(headers: list[tuple[str, str]], text: str, html_body: str) -> bytes:
    """A multipart/alternative message (text, then HTML), written directly.

    The email package's header objects cost milliseconds per message, the largest part of
    sending one; this writes the same structure in microseconds. Header values are ASCII here
    (names and subject go through `_encoded`/`formataddr`), and no line is folded: a folded
    List-Unsubscribe is turned into encoded words that mail clients do not decode. Tests parse
    the result with the email package.
    """
    # "=" never appears unescaped in quoted-printable, so this boundary cannot occur in a part.
    boundary = f"==crm-{uuid.uuid4().hex}=="
    head = "".join(f"{k}: {v}\r\n" for k, v in headers)
    part = (
        f'--{boundary}\r\nContent-Type: text/{{}}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    return b"".join(
        [
            head.encode("ascii"),
            b"MIME-Version: 1.0\r\n",
            f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode(),
            part.format("plain").encode(),
            _qp(text),
            b"\r\n",
            part.format("html").encode(),
            _qp(html_body),
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
