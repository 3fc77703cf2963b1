"""Rendering: generated text is sanitized and escaped; the page loads nothing from elsewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from factories import page_spec
from landing_pages.render import content_security_policy, css, plain, prerender, render_page, rich


def parse(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every start tag and its attributes, as a browser's tokenizer sees them."""
    found: list[tuple[str, list[tuple[str, str | None]]]] = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found.append((tag, attrs))

    Collector().feed(page)
    return found


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>Hello'


class TestSanitizing:
    def test_plain_text_loses_markup_and_script_contents(self) -> None:
        assert plain(HOSTILE) == "Hello"
        assert plain("a < b & c") == "a < b & c"

    def test_rich_text_keeps_safe_links_only(self) -> None:
        html = str(
            rich(
                'See <a href="javascript:alert(1)" onclick="x()">this</a> and '
                '<a href="https://example.com">that</a>.\n\nSecond <b onmouseover="x">para</b>'
            )
        )

        assert "javascript:" not in html
        assert "onclick" not in html and "onmouseover" not in html
        assert 'href="https://example.com"' in html
        assert html.count("<p>") == 2

    def test_hostile_spec_renders_inert(self) -> None:
        spec = page_spec(
            headline='Hi <script>alert(1)</script>"><svg onload=alert(2)>',
            seo_title='Title "><script>alert(3)</script>',
            seo_description='Desc" onmouseover="alert(4)" data-x="long enough to pass',
            sections=[
                {
                    "heading": "<iframe src=//evil>Heading",
                    "body": '<a href="javascript:alert(5)">click</a> <style>*{}</style>Body text',
                    "bullets": ["<b onclick=alert(6)>bullet</b>"],
                }
            ],
        )

        page = render_page(spec, title=spec.seo_title, action="/lp/x/submit")

        tags = parse(page)
        names = {tag for tag, _ in tags}
        assert not names & {"script", "svg", "iframe", "img"}
        assert not [a for _, attrs in tags for a, _ in attrs if a.startswith("on")]
        assert not [v for _, attrs in tags for _, v in attrs if "javascript:" in (v or "")]
        assert len([t for t in names if t == "style"]) == 1

    def test_values_echoed_back_are_escaped(self) -> None:
        page = render_page(
            page_spec(),
            title="t",
            action="/lp/x/submit",
            values={"first_name": '"><script>alert(1)</script>'},
            errors={"email": "This field is required."},
        )

        assert "<script>alert(1)" not in page
        assert 'aria-invalid="true"' in page


class TestLayout:
    def test_no_external_assets_and_css_allowed_by_hash(self) -> None:
        page = render_page(page_spec(), title="t", action="/lp/x/submit")

        assert not re.search(r"(src|href)=\"(https?:)?//", page)
        assert f"<style>{css()}</style>" in page
        assert "'sha256-" in content_security_policy()
        assert "script-src" not in content_security_policy()

    def test_accessible_form(self) -> None:
        page = render_page(page_spec(), title="t", action="/lp/x/submit")

        assert '<html lang="en">' in page
        assert 'name="viewport"' in page
        for name in ("email", "first_name", "company"):
            assert f'<label for="f-{name}">' in page
            assert f'id="f-{name}"' in page
        assert 'autocomplete="email"' in page

    def test_honeypot_is_hidden_by_css_not_by_type(self) -> None:
        page = render_page(page_spec(), title="t", action="/lp/x/submit")

        assert 'class="hp" aria-hidden="true"' in page
        assert 'name="website"' in page and 'tabindex="-1"' in page

    def test_honeypot_name_avoids_the_pages_own_fields(self) -> None:
        spec = page_spec(
            form_fields=[
                {"name": "email", "label": "Email", "type": "email", "required": True},
                {"name": "website", "label": "Your site", "type": "text", "required": False},
            ]
        )

        page = render_page(spec, title="t", action="/lp/x/submit")

        assert 'name="homepage"' in page

    def test_prerendered_page_splices_the_form_state(self) -> None:
        from markupsafe import Markup

        rendered = prerender(page_spec(), title="t", action="/lp/x/submit")

        page = rendered.with_state(Markup('<input type="hidden" name="_form" value="1.abc">'))

        assert b'name="_form" value="1.abc"' in page
        assert b"crm:form-state" not in page
