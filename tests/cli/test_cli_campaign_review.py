"""Reviewing before anything goes out: every part of an email shown and editable (what depends
on an edited part derived again), and the quality gate: `crm campaigns show` lists what a
reviewer would send back, `crm campaigns approve` refuses until the assets are fixed or a
recorded --override says why."""

from __future__ import annotations

from pathlib import Path

import respx

from crm_cli import Crm

LINK = "https://example.com/webinar"
SLOPPY_BODY = f"""Hi [Your Name],

As an AI, I am happy to tell you about {{{{favourite_colour}}}}. Visit {LINK}

Visit https://elsewhere.example.org/promo now!!!

Visit https://elsewhere.example.org/promo now!!!
"""


def _in_review(crm: Crm) -> str:
    crm.json("contacts", "add", "--email", "ada@example.com", "--first-name", "Ada")
    crm.json("segments", "create", "everyone", "--rule", "email exists")
    key: str = crm.json(
        "campaigns", "create", "Spring", "--segment", "everyone", "--channel", "email",
        "--brief", "Invite them to the spring webinar", "--link", LINK,
    )["id"]  # fmt: skip
    assert crm.json("campaigns", "generate", key)["state"] == "review"
    return key


def test_a_generated_email_passes_the_gate(crm: Crm, provider: respx.Route) -> None:
    key = _in_review(crm)

    assert crm.json("campaigns", "show", key)["findings"] == []
    assert crm.json("campaigns", "approve", key)["state"] == "approved"


def test_findings_are_shown_and_block_approval_until_overridden_with_a_reason(
    crm: Crm, provider: respx.Route, tmp_path: Path
) -> None:
    key = _in_review(crm)
    body = tmp_path / "body.txt"
    body.write_text(SLOPPY_BODY, encoding="utf-8")
    subject = "FREE WEBINAR SEATS FOR EVERYONE WHO SIGNS UP BEFORE THE END OF THE MONTH, TRULY"
    crm.json("campaigns", "edit-asset", key, "--channel", "email", "--subject", subject,
             "--body-file", body)  # fmt: skip

    findings = crm.json("campaigns", "show", key)["findings"]
    messages = {(f["check"], f["message"]) for f in findings}
    assert {check for check, _ in messages} == {"leftover", "repeated", "link", "length", "spam"}
    assert ("leftover", "template placeholder '[Your Name]'") in messages
    assert ("leftover", "text left over from the prompt: 'As an AI'") in messages
    assert ("link", f"https://elsewhere.example.org/promo is not the brief's link {LINK}") in (
        messages
    )
    assert ("spam", "the subject is in capitals") in messages
    assert ("spam", "spam-trigger wording '!!!'") in messages
    shown = crm("campaigns", "show", key)
    assert f"{len(findings)} quality finding(s)" in shown.stdout
    assert "email · segment · leftover: template placeholder '[Your Name]'" in shown.stdout

    refused = crm.fails("campaigns", "approve", key)
    assert f"{len(findings)} quality finding(s)" in refused
    assert "--override" in refused
    assert crm.json("campaigns", "show", key)["campaign"]["state"] == "review"

    # An override lets reviewed copy through, never a merge field the send could not fill
    # (campaigns.merge_check refuses those, whatever the gate says).
    unfillable = crm.fails("campaigns", "approve", key, "--override", "legal signed this copy off")
    assert "unknown merge field {{favourite_colour}}" in unfillable
    body.write_text(SLOPPY_BODY.replace("{{favourite_colour}}", "colours"), encoding="utf-8")
    crm.json("campaigns", "edit-asset", key, "--channel", "email", "--body-file", body)

    approved = crm.json("campaigns", "approve", key, "--override", "legal signed this copy off")
    assert approved["state"] == "approved"
    campaign = crm.json("campaigns", "show", key)["campaign"]
    assert campaign["quality_override"] == "legal signed this copy off"


def test_a_missing_link_and_an_empty_preheader_edit_are_caught(
    crm: Crm, provider: respx.Route, tmp_path: Path
) -> None:
    key = _in_review(crm)
    body = tmp_path / "body.txt"
    body.write_text("Hi Ada,\n\nThe webinar is next week.\n\nBest regards", encoding="utf-8")
    crm.json("campaigns", "edit-asset", key, "--channel", "email", "--body-file", body,
             "--preheader", "Next week: the spring webinar")  # fmt: skip

    shown = crm.json("campaigns", "show", key)
    assert shown["assets"][0]["content"]["preheader"] == "Next week: the spring webinar"
    assert [(f["check"], f["message"]) for f in shown["findings"]] == [
        ("link", f"no link to {LINK}")
    ]
    assert "preheader:" in crm("campaigns", "show", key).stdout
    crm.fails("campaigns", "approve", key)


def test_editing_the_body_derives_the_preheader_and_html_again_unless_set(
    crm: Crm, provider: respx.Route, tmp_path: Path
) -> None:
    key = _in_review(crm)
    body = tmp_path / "body.txt"
    body.write_text(f"Hi Ada,\n\nThe webinar moved to Friday. Seats: {LINK}\n\nBest", "utf-8")

    edited = crm.json("campaigns", "edit-asset", key, "--channel", "email", "--body-file", body)

    assert edited["content"]["preheader"] == "The webinar moved to Friday."
    assert f'<a href="{LINK}">' in edited["content"]["body_html"]
    assert "Friday" in edited["content"]["body_html"]
    mine = crm.json("campaigns", "edit-asset", key, "--channel", "email", "--body-file", body,
                    "--preheader", "Friday, not Thursday")  # fmt: skip
    assert mine["content"]["preheader"] == "Friday, not Thursday"
    subject_only = crm.json("campaigns", "edit-asset", key, "--channel", "email", "--subject", "Hi")
    assert subject_only["content"]["preheader"] == "Friday, not Thursday"


def test_personalised_emails_are_paged_through_and_one_is_edited(
    crm: Crm, provider: respx.Route
) -> None:
    for name in ("ada", "bob"):
        crm.json("contacts", "add", "--email", f"{name}@example.com", "--first-name", name)
    crm.json("segments", "create", "everyone", "--rule", "email exists")
    key = crm.json(
        "campaigns", "create", "Spring", "--segment", "everyone", "--channel", "email",
        "--brief", "Invite them to the spring webinar", "--personalize",
    )["id"]  # fmt: skip
    crm.json("campaigns", "generate", key)
    assert "and 2 personalised emails (--all shows them)" in crm("campaigns", "show", key).stdout
    assert crm("campaigns", "show", key, "--all").stdout.count("email · contact:") == 2

    edited = crm.json(
        "campaigns", "edit-asset", key, "--channel", "email",
        "--contact", "bob@example.com", "--subject", "Bob, a seat for you",
    )  # fmt: skip

    bob = crm.json("campaigns", "show", key, "--contact", "bob@example.com")["assets"]
    assert [(a["variant"], a["content"]["subject"]) for a in bob] == [
        (edited["variant"], "Bob, a seat for you")
    ]
    ada = crm.json("campaigns", "show", key, "--contact", "ada@example.com")["assets"]
    assert ada[0]["variant"].startswith("contact:") and ada[0]["variant"] != edited["variant"]
    assert ada[0]["content"]["subject"] != "Bob, a seat for you"
    unknown = crm.fails("campaigns", "show", key, "--contact", "eve@example.com")
    assert "no contact 'eve@example.com'" in unknown


def test_the_call_to_action_and_links_are_parts_and_the_body_follows_an_edited_one(
    crm: Crm, provider: respx.Route
) -> None:
    key = _in_review(crm)
    [generated] = crm.json("campaigns", "show", key)["assets"]
    assert generated["content"]["cta"] == {"label": "Learn more", "url": LINK}
    assert generated["content"]["links"] == [LINK]
    shown = crm("campaigns", "show", key).stdout
    assert "call to action:" in shown and f"Learn more → {LINK}" in shown and "links:" in shown

    moved = "https://events.example.org/friday"
    edited = crm.json("campaigns", "edit-asset", key, "--channel", "email",
                      "--cta-label", "Save my seat", "--cta-url", moved)["content"]  # fmt: skip

    assert edited["cta"] == {"label": "Save my seat", "url": moved}
    assert edited["links"] == [moved]
    assert f"\n\n{moved}\n\n" in edited["body"] and LINK not in edited["body"].replace(moved, "")
    assert f'<a href="{moved}">{moved}</a>' in edited["body_html"]
    assert edited["preheader"] == generated["content"]["preheader"]
    # The gate reads the parts: both now go elsewhere than the brief says.
    findings = {f["message"] for f in crm.json("campaigns", "show", key)["findings"]}
    assert findings == {
        f"no link to {LINK}",
        f"{moved} is not the brief's link {LINK}",
        f"the call to action goes to {moved}, not the brief's {LINK}",
    }


def test_a_call_to_action_edit_adds_the_link_to_a_body_without_one(
    crm: Crm, provider: respx.Route, tmp_path: Path
) -> None:
    key = _in_review(crm)
    body = tmp_path / "body.txt"
    body.write_text("Hi Ada,\n\nThe webinar is next week.\n\nBest regards,\nSam", encoding="utf-8")
    crm.json("campaigns", "edit-asset", key, "--channel", "email", "--body-file", body)

    edited = crm.json("campaigns", "edit-asset", key, "--channel", "email",
                      "--cta-url", LINK)["content"]  # fmt: skip

    assert edited["body"] == f"Hi Ada,\n\nThe webinar is next week.\n\n{LINK}\n\nBest regards,\nSam"
    assert edited["links"] == [LINK] and crm.json("campaigns", "show", key)["findings"] == []
    bad = crm.fails("campaigns", "edit-asset", key, "--channel", "email", "--cta-url", "example")
    assert "the call to action needs an http(s) URL, got 'example'" in bad
