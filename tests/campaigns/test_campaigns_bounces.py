"""Bounce (RFC 3464 DSN) and complaint (RFC 5965 ARF) reports read from a mailbox."""

from __future__ import annotations

import mailbox
from email.parser import BytesParser
from pathlib import Path

import pytest

from campaigns import bounces, delivery_repository, executor, suppression
from crm.contacts import service as contacts
from crm.contacts.models import Status
from crm.db import Database
from factories import make_contact, make_ready_campaign
from imap_server import Mailbox, imap_server
from kernel.errors import ValidationFailed
from kernel.settings import Settings


def dsn(report_id: str, blocks: list[dict[str, str]], original: tuple[str, bytes] | None) -> bytes:
    """A multipart/report DSN as an MTA writes it: human part, status fields, the original
    (as `("text/rfc822-headers" | "message/rfc822", bytes)`)."""
    per_recipient = "\n\n".join("\n".join(f"{k}: {v}" for k, v in b.items()) for b in blocks)
    return _report(
        report_id,
        "delivery-status",
        "Undelivered Mail Returned to Sender",
        "This is the mail system at host mx.example.\n\nI'm sorry to have to inform you that"
        " your message could not be delivered to one or more recipients.",
        "message/delivery-status",
        f"Reporting-MTA: dns; mx.example\nArrival-Date: Mon, 23 Nov 2026 10:00:00 +0000\n\n"
        f"{per_recipient}\n",
        original,
    )


def arf(report_id: str, recipient: str, original: bytes, feedback: str = "abuse") -> bytes:
    return _report(
        report_id,
        "feedback-report",
        "Complaint about message from 192.0.2.1",
        "This is an email abuse report for an email message received on 23 Nov 2026.",
        "message/feedback-report",
        f"Feedback-Type: {feedback}\nUser-Agent: ExampleFBL/1.0\nVersion: 1\n"
        f"Original-Mail-From: <news@shop.example>\nOriginal-Rcpt-To: <{recipient}>\n"
        "Source-IP: 192.0.2.1\n",
        ("message/rfc822", original),
    )


def _report(
    report_id: str,
    report_type: str,
    subject: str,
    human: str,
    machine_type: str,
    machine: str,
    original: tuple[str, bytes] | None,
) -> bytes:
    boundary = "=_report_boundary"
    parts = [
        f"Content-Type: text/plain; charset=us-ascii\n\n{human}\n",
        f"Content-Type: {machine_type}\n\n{machine}",
    ]
    if original is not None:
        parts.append(f"Content-Type: {original[0]}\n\n{original[1].decode().replace(chr(13), '')}")
    body = "".join(f"--{boundary}\n{p}\n" for p in parts) + f"--{boundary}--\n"
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example>\n"
        "To: news@shop.example\n"
        f"Subject: {subject}\n"
        f"Message-ID: <{report_id}@mx.example>\n"
        "Date: Mon, 23 Nov 2026 10:00:05 +0000\n"
        "MIME-Version: 1.0\n"
        f'Content-Type: multipart/report; report-type={report_type}; boundary="{boundary}"\n\n'
        f"{body}"
    ).encode()


def failed(recipient: str, status: str = "5.1.1", action: str = "failed") -> dict[str, str]:
    return {
        "Final-Recipient": f"rfc822; {recipient}",
        "Original-Recipient": f"rfc822;{recipient}",
        "Action": action,
        "Status": status,
        "Diagnostic-Code": f"smtp; 550 {status} <{recipient}>: Recipient address rejected",
    }


PLAIN_REPLY = (
    b"From: Someone <someone@example.com>\nTo: news@shop.example\nSubject: Re: Spring is here\n"
    b"Message-ID: <reply1@example.com>\n\nThanks, sounds good!\n"
)


async def test_reports_bounce_complain_or_count_and_a_second_read_changes_nothing(
    db: Database, outbox_settings: Settings, tmp_path: Path
) -> None:
    campaign = await make_ready_campaign(db, settings=outbox_settings, contacts_count=4)
    report = await executor.run(db, campaign.id, outbox_settings)
    eml = {p.stem: p.read_bytes() for p in Path(report.outbox or "").glob("*.eml")}
    by_email = {}
    for delivery in await delivery_repository.deliveries(db, campaign.id, state="sent"):
        contact = await contacts.require(db, delivery["contact"])
        original = eml[delivery["id"]]
        message_id = str(BytesParser().parsebytes(original, headersonly=True)["Message-ID"])
        by_email[contact.email] = (message_id, delivery, original)
    id0, delivery0, _ = by_email["person0@example.com"]
    _, _, original1 = by_email["person1@example.com"]
    _, _, original2 = by_email["person2@example.com"]

    box = mailbox.mbox(tmp_path / "bounces.mbox")
    # Hard bounce with only the original's headers: matched by Message-ID.
    headers0 = f"Message-ID: {id0}\nTo: person0@example.com\nSubject: Spring is here\n".encode()
    box.add(dsn("r1", [failed("person0@example.com")], ("text/rfc822-headers", headers0)))
    # Mailbox full, delivery delayed: a soft bounce, counted only.
    delayed = failed("person1@example.com", status="4.2.2", action="delayed")
    box.add(dsn("r2", [delayed], ("message/rfc822", original1)))
    # A spam complaint from a feedback loop, with the whole original attached.
    box.add(arf("r3", "person2@example.com", original2))
    # No original returned: matched by the failed recipient; a "delivered" block is ignored.
    box.add(
        dsn(
            "r4",
            [failed("person3@example.com"), failed("x@example.org", "2.0.0", "delivered")],
            None,
        )
    )
    box.add(PLAIN_REPLY)
    box.close()

    summary = await bounces.apply(db, bounces.read_mailbox(mbox=tmp_path / "bounces.mbox"))

    assert summary.as_dict() == {
        "messages": 5,
        "reports": 4,
        "hard": 2,
        "soft": 1,
        "complaints": 1,
        "matched": 4,
        "unmatched": 0,
        "already_applied": 0,
        "not_reports": 1,
    }
    emails = [f"person{n}@example.com" for n in range(4)]
    status = {e: (await contacts.require(db, e)).status for e in emails}
    assert status == {
        "person0@example.com": Status.BOUNCED,
        "person1@example.com": Status.NEW,
        "person2@example.com": Status.UNSUBSCRIBED,
        "person3@example.com": Status.BOUNCED,
    }
    assert await suppression.suppressed(db, emails) == {
        "person0@example.com",
        "person2@example.com",
        "person3@example.com",
    }
    assert (await delivery_repository.get_delivery(db, delivery0["id"]) or {}).get("bounced_at")

    again = await bounces.apply(db, bounces.read_mailbox(mbox=tmp_path / "bounces.mbox"))

    assert (again.reports, again.already_applied, again.matched) == (4, 4, 0)
    person0 = await contacts.require(db, "person0@example.com")
    _, events = await contacts.history(db, person0.id)
    assert [e.kind for e in events].count("bounced") == 1


async def test_unknown_recipients_are_suppressed_and_counted_unmatched(
    db: Database, tmp_path: Path
) -> None:
    box = mailbox.Maildir(tmp_path / "Maildir")
    box.add(dsn("r9", [failed("stranger@example.net")], None))
    box.add(arf("r10", "fan@example.net", PLAIN_REPLY, feedback="not-spam"))
    box.close()

    summary = await bounces.apply(db, bounces.read_mailbox(maildir=tmp_path / "Maildir"))

    assert (summary.reports, summary.hard, summary.unmatched, summary.not_reports) == (1, 1, 1, 1)
    assert await suppression.suppressed(db, ["stranger@example.net", "fan@example.net"]) == {
        "stranger@example.net"
    }


async def test_a_contact_is_found_by_address_when_the_message_id_is_not_ours(
    db: Database, tmp_path: Path
) -> None:
    await make_contact(db, email="ada@example.com")
    headers = b"Message-ID: <sent-by-another-tool@example.com>\nTo: ada@example.com\n"
    raw = dsn("r11", [failed("Ada@Example.com")], ("text/rfc822-headers", headers))

    summary = await bounces.apply(db, [raw])

    assert summary.matched == 1
    assert (await contacts.require(db, "ada@example.com")).status == Status.BOUNCED


async def test_reads_an_imap_folder_without_changing_anything_there(
    db: Database, tmp_path: Path
) -> None:
    await make_contact(db, email="ada@example.com")
    box = Mailbox(
        user="bounces@shop.example",
        password="s3cret pass",
        folder="Bounces",
        messages=[dsn("r20", [failed("ada@example.com")], None), PLAIN_REPLY],
    )
    with imap_server(box) as port:
        server = f"imap://bounces%40shop.example:{{}}@127.0.0.1:{port}"
        summary = await bounces.apply(
            db, bounces.read_mailbox(imap=server.format("s3cret%20pass") + "/Bounces")
        )
        with pytest.raises(ValidationFailed) as refused:
            await bounces.apply(db, bounces.read_mailbox(imap=server.format("guess")))
        with pytest.raises(ValidationFailed) as missing:
            await bounces.apply(db, bounces.read_mailbox(imap=server.format("s3cret%20pass")))

    assert (summary.messages, summary.hard, summary.matched, summary.not_reports) == (2, 1, 1, 1)
    assert (await contacts.require(db, "ada@example.com")).status == Status.BOUNCED
    assert "AUTHENTICATIONFAILED" in refused.value.message and "guess" not in refused.value.message
    assert "no IMAP folder 'INBOX'" in missing.value.message
    # Read only: EXAMINE rather than SELECT, and nothing stored, copied or expunged.
    assert {"STORE", "UID STORE", "COPY", "EXPUNGE", "SELECT"}.isdisjoint(box.commands)
    assert "EXAMINE" in box.commands
