"""Placeholder detection, text-to-HTML, and prompt templates."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import UndefinedError

from llm_tools.text import first_sentence, placeholders, text_to_html
from prompts import render


@pytest.mark.parametrize(
    "text",
    [
        "Hi {{first_name}},",
        "Hi {name}!",
        "Dear [Name],",
        "At [Company Name] we",
        "Hi <FIRST_NAME>",
        "Hi %FIRSTNAME%",
        "Hi *|FNAME|*",
    ],
)
def test_placeholders_are_found(text: str) -> None:
    assert placeholders(text)


@pytest.mark.parametrize(
    "text",
    ["Hi Ada,", "See [our guide](https://acme.test/guide).", "Prices from $10 [1]", "2 < 3 > 1"],
)
def test_ordinary_text_is_not_a_placeholder(text: str) -> None:
    assert placeholders(text) == []


def test_text_to_html_paragraphs_breaks_and_links() -> None:
    html = text_to_html("Hi Ada,\n\nSee https://acme.test/a?b=1&c=2.\nThanks <3")

    assert html == (
        "<p>Hi Ada,</p>\n"
        '<p>See <a href="https://acme.test/a?b=1&amp;c=2">https://acme.test/a?b=1&amp;c=2</a>.'
        "<br>\nThanks &lt;3</p>"
    )


@given(st.text())
def test_text_to_html_never_lets_markup_through(text: str) -> None:
    html = text_to_html(text)
    stripped = html.replace("<p>", "").replace("</p>", "").replace("<br>", "")
    stripped = stripped.replace("</a>", "")
    assert "<" not in stripped.replace('<a href="', "")


def test_first_sentence_only_when_short_enough() -> None:
    assert first_sentence("Short one. And more.", 20) == "Short one."
    assert first_sentence("This first sentence is too long. Next.", 10) == ""


def test_missing_template_variables_raise() -> None:
    with pytest.raises(UndefinedError):
        render("enrich_contact", fields=["city"])


def test_system_prompt_lists_fields_and_optional_schema() -> None:
    text = render("system", fields=[("subject", "Subject line.")], schema=None)

    assert '- "subject": Subject line.' in text
    assert "JSON schema" not in text
    assert "JSON schema" in render("system", fields=[], schema="{}")
