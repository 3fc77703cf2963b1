"""`crm campaigns bounces`: a mailbox of DSNs in, contacts suppressed, a summary out."""

from __future__ import annotations

import mailbox
from pathlib import Path

from crm_cli import Crm

BOUNCE = b"""From: MAILER-DAEMON@mx.example
To: news@shop.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce-1@mx.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

Your message could not be delivered.
--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; ada@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 user unknown

--b1--
"""


def test_a_hard_bounce_marks_the_contact_and_a_rerun_changes_nothing(
    crm: Crm, tmp_path: Path
) -> None:
    crm.json("contacts", "add", "--email", "ada@example.com")
    box = mailbox.Maildir(tmp_path / "Maildir")
    box.add(BOUNCE)
    box.close()

    first = crm.json("campaigns", "bounces", "--maildir", tmp_path / "Maildir")
    second = crm.json("campaigns", "bounces", "--maildir", tmp_path / "Maildir")

    assert (first["hard"], first["matched"], first["already_applied"]) == (1, 1, 0)
    assert (second["hard"], second["matched"], second["already_applied"]) == (0, 0, 1)
    assert crm.json("contacts", "show", "ada@example.com")["status"] == "bounced"
    people = crm("campaigns", "bounces", "--maildir", tmp_path / "Maildir").stdout
    assert "1 reports" in people and "1 applied before" in people


def test_needs_a_mailbox(crm: Crm, tmp_path: Path) -> None:
    assert "--mbox" in crm.fails("campaigns", "bounces")
    assert "no mbox file" in crm.fails("campaigns", "bounces", "--mbox", tmp_path / "missing")
