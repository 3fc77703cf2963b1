"""Bounces and complaints read from a mailbox: delivery status notifications (RFC 3464
multipart/report; report-type=delivery-status) and abuse reports in the Abuse Reporting Format
(RFC 5965, report-type=feedback-report), as they arrive at a campaign's return address.

Each report is matched to its delivery by the original message's Message-ID (which the email
channel derives from the delivery), or else to the contact by the failed recipient, and goes
through `suppression.report_bounce`: a hard bounce (5.x.x) marks the contact bounced and
suppresses the address, a complaint unsubscribes and suppresses, a soft bounce (4.x.x, or
"delayed") is recorded and counted only. Applied reports are remembered, so reading the same
mailbox again changes nothing. Mailboxes are only read: nothing is moved, deleted or marked.
"""

from __future__ import annotations

import hashlib
import imaplib
import mailbox
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from email import policy
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from campaigns import bounce_report_repository, suppression
from campaigns.suppression import BounceKind
from crm.db import Database
from kernel.errors import ValidationFailed
from kernel.logs import get_logger

log = get_logger(__name__)

IMAP_PORTS = {"imaps": 993, "imap": 143}
# Feedback types that are a person's complaint; "not-spam" is the opposite.
COMPLAINT_TYPES = frozenset({"abuse", "fraud", "virus", "other"})


@dataclass(frozen=True)
class Report:
    """One recipient's bounce or complaint, as read from a report message."""

    key: str  # identifies this report about this recipient, for idempotence
    kind: BounceKind
    recipient: str | None
    message_id: str | None  # of the original campaign message
    detail: str | None


@dataclass
class Summary:
    messages: int = 0
    reports: int = 0
    hard: int = 0
    soft: int = 0
    complaints: int = 0
    matched: int = 0  # reports whose contact was found
    unmatched: int = 0
    already_applied: int = 0
    not_reports: int = 0  # ordinary mail, read receipts, "delivered" notices

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_mailbox(
    *, mbox: Path | None = None, maildir: Path | None = None, imap: str | None = None
) -> Iterator[bytes]:
    """The raw messages of an mbox file, a Maildir directory and/or an IMAP folder, read only.

    Reading blocks between database calls; a command reading one mailbox has nothing else to
    do meanwhile, and messages stream one at a time rather than being loaded all at once.
    """
    if mbox is not None:
        if not mbox.is_file():
            raise ValidationFailed(f"no mbox file at {mbox}")
        yield from _raw(mailbox.mbox(mbox, create=False))
    if maildir is not None:
        if not (maildir / "cur").is_dir() and not (maildir / "new").is_dir():
            raise ValidationFailed(f"{maildir} is not a Maildir (no cur/ or new/)")
        yield from _raw(mailbox.Maildir(maildir, create=False))
    if imap is not None:
        yield from _imap(imap)


def _imap(url: str) -> Iterator[bytes]:
    """imaps://user:password@host[:993][/FOLDER] (imap:// without TLS, for a local server)."""
    parts = urlsplit(url)
    if parts.scheme not in IMAP_PORTS or not parts.hostname or not parts.username:
        raise ValidationFailed("--imap takes imaps://user:password@host[:993][/FOLDER]")
    folder = unquote(parts.path.strip("/")) or "INBOX"
    connect = imaplib.IMAP4_SSL if parts.scheme == "imaps" else imaplib.IMAP4
    try:
        client = connect(parts.hostname, parts.port or IMAP_PORTS[parts.scheme], timeout=30)
    except OSError as exc:
        raise ValidationFailed(
            f"cannot connect to the IMAP server {parts.hostname}: {exc}"
        ) from None
    try:
        client.login(unquote(parts.username), unquote(parts.password or ""))
        # EXAMINE: nothing is marked seen or changed in the folder.
        quoted = '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if client.select(quoted, readonly=True)[0] != "OK":
            raise ValidationFailed(f"no IMAP folder {folder!r} on {parts.hostname}")
        uids = client.uid("SEARCH", "ALL")[1][0].split()
        for uid in uids:
            for item in client.uid("FETCH", uid, "(BODY.PEEK[])")[1]:
                if isinstance(item, tuple):
                    yield item[1]
    except imaplib.IMAP4.error as exc:
        # The message says what the server refused; it never contains the password.
        raise ValidationFailed(f"IMAP server {parts.hostname}: {exc}") from None
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            client.shutdown()


def _raw(box: mailbox.Mailbox[Any]) -> Iterator[bytes]:
    try:
        for key in box.iterkeys():
            yield box.get_bytes(key)
    finally:
        box.close()


def parse(raw: bytes) -> list[Report]:
    """The bounce/complaint reports in one message; empty for anything else."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if message.get_content_type() != "multipart/report":
        return []
    report_type = str(message.get_param("report-type", "")).lower()
    parts = list(message.iter_parts())
    original = _original_message_id(parts)
    source = str(message.get("Message-ID") or "") or hashlib.sha256(raw).hexdigest()
    if report_type == "delivery-status":
        blocks = _blocks(parts, "message/delivery-status")
        return [r for b in blocks[1:] if (r := _dsn(source, b, original)) is not None]
    if report_type == "feedback-report":
        blocks = _blocks(parts, "message/feedback-report")
        return [r for b in blocks[:1] if (r := _arf(source, b, parts, original)) is not None]
    return []


def _dsn(source: str, fields: Message, original: str | None) -> Report | None:
    """One per-recipient block of a DSN."""
    action = str(fields.get("Action", "")).strip().lower()
    status = str(fields.get("Status", "")).strip()
    if action == "failed" and status.startswith("5"):
        kind: BounceKind = "hard"
    elif action == "delayed" or (action == "failed" and status.startswith("4")):
        kind = "soft"
    else:
        return None  # delivered, relayed, expanded
    recipient = _address(fields.get("Final-Recipient") or fields.get("Original-Recipient"))
    diagnostic = " ".join(str(fields.get("Diagnostic-Code", "")).split())
    detail = f"{status} {diagnostic}".strip()[:300] or None
    return Report(_key(source, recipient, kind), kind, recipient, original, detail)


def _arf(
    source: str, fields: Message, parts: Sequence[Message], original: str | None
) -> Report | None:
    feedback = str(fields.get("Feedback-Type", "")).strip().lower()
    if feedback not in COMPLAINT_TYPES:
        return None
    recipient = _address(fields.get("Original-Rcpt-To")) or _original_header(parts, "To")
    detail = f"feedback-type {feedback}"
    return Report(_key(source, recipient, "complaint"), "complaint", recipient, original, detail)


def _blocks(parts: Sequence[Message], content_type: str) -> list[Message]:
    """The header blocks of a machine-readable report part."""
    for part in parts:
        if part.get_content_type() != content_type:
            continue
        payload = part.get_payload()
        if isinstance(payload, list):
            return [p for p in payload if isinstance(p, Message)]
        text = payload if isinstance(payload, str) else ""
        return [HeaderParser().parsestr(b.strip() + "\n") for b in text.split("\n\n") if b.strip()]
    return []


def _original_headers(parts: Sequence[Message]) -> Message | None:
    """The returned message (message/rfc822) or its headers (text/rfc822-headers)."""
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
        if kind == "text/rfc822-headers":
            return HeaderParser().parsestr(str(part.get_payload()))
    return None


def _original_header(parts: Sequence[Message], name: str) -> str | None:
    headers = _original_headers(parts)
    value = headers.get(name) if headers is not None else None
    return _address(value) if name == "To" else (str(value).strip() if value else None)


def _original_message_id(parts: Sequence[Message]) -> str | None:
    return _original_header(parts, "Message-ID")


def _address(value: object) -> str | None:
    """`rfc822; a@b.example` or `<a@b.example>` -> `a@b.example`."""
    if not value:
        return None
    text = str(value).strip()
    if ";" in text:
        text = text.split(";", 1)[1]
    address = parseaddr(text.strip())[1]
    return address.lower() if "@" in address else None


def _key(source: str, recipient: str | None, kind: str) -> str:
    return hashlib.sha256(f"{source}\0{recipient}\0{kind}".encode()).hexdigest()


async def apply(db: Database, messages: Iterable[bytes]) -> Summary:
    """Apply every report in `messages` not applied before; returns what was found."""
    summary = Summary()
    for raw in messages:
        summary.messages += 1
        reports = parse(raw)
        if not reports:
            summary.not_reports += 1
        for report in reports:
            await _apply_one(db, report, summary)
    log.info("campaigns.bounces_read", **summary.as_dict())
    return summary


async def _apply_one(db: Database, report: Report, summary: Summary) -> None:
    summary.reports += 1
    if await bounce_report_repository.seen(db, report.key):
        summary.already_applied += 1
        return
    if report.recipient is None and report.message_id is None:
        summary.unmatched += 1
    else:
        contact = await suppression.report_bounce(
            db,
            kind=report.kind,
            email=report.recipient,
            message_id=report.message_id,
            detail=report.detail,
        )
        if contact is None:
            summary.unmatched += 1
        else:
            summary.matched += 1
    if report.kind == "hard":
        summary.hard += 1
    elif report.kind == "soft":
        summary.soft += 1
    else:
        summary.complaints += 1
    # Remembered after it took effect: a crash in between applies it again, which only
    # repeats a timeline entry, rather than losing a bounce.
    await bounce_report_repository.record(db, report.key, report.kind)
