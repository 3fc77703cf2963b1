"""`crm pages`: an AI-written page stays a draft until reviewed, slugs from the campaign name,
the preview link, and editing the text in `$EDITOR` (a fake editor script)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from crm_cli import Crm
from fake_llm import PAGE, fake_provider, reply, use_fake_model


def _campaign(crm: Crm, monkeypatch: pytest.MonkeyPatch, name: str = "Spring Webinar") -> str:
    use_fake_model(monkeypatch)
    crm.json("contacts", "add", "--email", "ada@example.com")
    crm.json("segments", "create", "everyone", "--rule", "email exists")
    campaign = crm.json(
        "campaigns", "create", name, "--segment", "everyone", "--channel", "linkedin",
        "--brief", "Invite them to the spring webinar",
    )  # fmt: skip
    return str(campaign["id"])


def _generate(crm: Crm, *args: str) -> dict[str, object]:
    with fake_provider() as provider:
        provider.side_effect = lambda request: reply(PAGE)
        result: dict[str, object] = crm.json("pages", "generate", *args)
    return result


class TestReview:
    def test_publish_without_yes_leaves_a_draft_with_a_preview_link(
        self, crm: Crm, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        key = _campaign(crm, monkeypatch)

        with fake_provider() as provider:
            provider.side_effect = lambda request: reply(PAGE)
            result = crm("pages", "generate", "--campaign", key, "--publish")

        assert result.exit_code == 0, result.output
        assert "Left as a draft" in result.stderr and "--yes" in result.stderr
        assert "Draft page spring-webinar" in result.stdout
        assert "/lp/spring-webinar/preview?token=" in result.stdout
        assert crm.json("pages", "show", "spring-webinar")["status"] == "draft"

    def test_publish_with_yes_publishes(self, crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
        key = _campaign(crm, monkeypatch)

        page = _generate(crm, "--campaign", key, "--publish", "--yes")

        assert page["status"] == "published"
        assert crm("pages", "publish", "spring-webinar").exit_code == 0

    def test_show_prints_the_preview_link_and_the_text(
        self, crm: Crm, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        key = _campaign(crm, monkeypatch)
        _generate(crm, "--campaign", key)

        shown = crm("pages", "show", "spring-webinar")

        assert shown.exit_code == 0, shown.output
        assert "/lp/spring-webinar/preview?token=" in shown.stdout
        assert f"headline: {PAGE['headline']}" in shown.stdout
        assert "{" not in shown.stdout.split("headline:")[1][:40]


class TestSlugs:
    def test_short_and_stable_from_the_campaign_name(
        self, crm: Crm, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        name = "Spring Webinar: Faster Reports for Growing Teams in the DACH Region"
        key = _campaign(crm, monkeypatch, name)

        first = _generate(crm, "--campaign", key)
        second = _generate(crm, "--campaign", key)

        assert first["slug"] == "spring-webinar-faster-reports-for"
        assert second["slug"] == "spring-webinar-faster-reports-for-2"


def _fake_editor(tmp_path: Path, *replacements: str) -> str:
    """An $EDITOR that, on its Nth run, replaces the file's first `headline:` line with the Nth
    replacement (and records what it was shown)."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import pathlib, sys\n"
        f"log = pathlib.Path({str(tmp_path / 'seen')!r})\n"
        "runs = sorted(log.parent.glob('seen-*'))\n"
        f"replacements = {list(replacements)!r}\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text()\n"
        "pathlib.Path(f'{log}-{len(runs)}').write_text(text)\n"
        "lines = [replacements[len(runs)] if l.startswith('headline:') else l\n"
        "         for l in text.splitlines()]\n"
        "path.write_text('\\n'.join(lines) + '\\n')\n"
    )
    return f"{sys.executable} {script}"


class TestEdit:
    def test_a_mistake_reopens_with_the_error_then_the_fix_is_saved(
        self, crm: Crm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        key = _campaign(crm, monkeypatch)
        _generate(crm, "--campaign", key)
        editor = _fake_editor(tmp_path, "headline: Hi", "headline: Hello spring")
        monkeypatch.setenv("EDITOR", editor)

        result = crm("pages", "edit", "spring-webinar")

        assert result.exit_code == 0, result.output
        first = (tmp_path / "seen-0").read_text()
        second = (tmp_path / "seen-1").read_text()
        assert f"headline: {PAGE['headline']}" in first and "{" not in first.splitlines()[1]
        assert second.startswith("# ERROR headline: String should have at least 5 characters")
        assert "headline: Hi\n" in second
        assert crm.json("pages", "show", "spring-webinar")["spec"]["headline"] == "Hello spring"

    def test_closing_without_a_change_changes_nothing(
        self, crm: Crm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        key = _campaign(crm, monkeypatch)
        _generate(crm, "--campaign", key)
        monkeypatch.setenv("EDITOR", "true")

        result = crm("pages", "edit", "spring-webinar")

        assert result.exit_code == 0, result.output
        assert "No change." in result.stderr
        assert crm.json("pages", "show", "spring-webinar")["spec"]["headline"] == PAGE["headline"]


def _rewriting_editor(tmp_path: Path, *runs: list[tuple[str, str]]) -> str:
    """An $EDITOR that, on its Nth run, makes the Nth list of (old, new) replacements in the
    file (and records what it was shown)."""
    script = tmp_path / "editor.py"
    script.write_text(
        "import pathlib, sys\n"
        f"log = pathlib.Path({str(tmp_path / 'seen')!r})\n"
        "done = len(sorted(log.parent.glob('seen-*')))\n"
        f"runs = {list(runs)!r}\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text()\n"
        "pathlib.Path(f'{log}-{done}').write_text(text)\n"
        "for old, new in runs[done]:\n"
        "    assert old in text, old\n"
        "    text = text.replace(old, new)\n"
        "path.write_text(text)\n"
    )
    return f"{sys.executable} {script}"


class TestEditMarkdown:
    def test_the_sections_are_markdown_a_mistake_reopens_and_the_fix_is_saved(
        self, crm: Crm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        key = _campaign(crm, monkeypatch)
        _generate(crm, "--campaign", key)
        section = PAGE["sections"][0]
        old_body = section["body"]
        fixed = (
            "Reports that load in a second,\nfor every team.\n\n"
            "Ask us anything live.\n\n- A live demo\n- Your questions answered\n\n"
            "## Who it is for\n\nTeams that report every week."
        )
        editor = _rewriting_editor(
            tmp_path,
            [(old_body, "Short.")],
            [("Short.", fixed), ("## What is new", "## New this spring")],
        )
        monkeypatch.setenv("EDITOR", editor)

        result = crm("pages", "edit", "spring-webinar", "--format", "markdown")

        assert result.exit_code == 0, result.output
        first = (tmp_path / "seen-0").read_text()
        assert first.startswith("---\n# The page's text.")
        assert f"\nheadline: {PAGE['headline']}\n" in first
        assert f"\n---\n\n## {section['heading']}\n\n{old_body}\n" in first
        second = (tmp_path / "seen-1").read_text()
        assert second.startswith(
            "# ERROR sections.0.body: String should have at least 10 characters\n---\n"
        )
        spec = crm.json("pages", "show", "spring-webinar")["spec"]
        assert spec["headline"] == PAGE["headline"]
        assert spec["sections"] == [
            {
                "heading": "New this spring",
                "body": "Reports that load in a second,\nfor every team.\n\nAsk us anything live.",
                "bullets": ["A live demo", "Your questions answered"],
            },
            {"heading": "Who it is for", "body": "Teams that report every week.", "bullets": []},
        ]

    def test_text_before_the_first_heading_is_an_error_and_saving_it_unchanged_changes_nothing(
        self, crm: Crm, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        key = _campaign(crm, monkeypatch)
        _generate(crm, "--campaign", key)
        heading = f"## {PAGE['sections'][0]['heading']}"
        editor = _rewriting_editor(
            tmp_path, [(heading, f"Stray words\n\n{heading}")], [("Stray words\n", "")]
        )
        monkeypatch.setenv("EDITOR", editor)

        result = crm("pages", "edit", "spring-webinar", "--format", "markdown")

        assert result.exit_code == 0, result.output
        second = (tmp_path / "seen-1").read_text()
        assert second.startswith(
            "# ERROR text before the first section's heading (## Heading): 'Stray words'\n"
        )
        assert "No change." in result.stderr
