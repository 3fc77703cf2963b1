"""Tracking and unsubscribe tokens: compact, signed per purpose, and the earlier format still
accepted (it is in emails already sent)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from itsdangerous import URLSafeSerializer

from campaigns.tracking import Kind, Tokens, click_payload, open_payload, unsubscribe_payload
from kernel.errors import ValidationFailed

PAYLOADS: dict[Kind, dict[str, str | None]] = {
    "open": open_payload("d1", "c1", None),
    "click": click_payload("d1", "c1", "p1", "https://example.com/a?b=1&c=ü#x"),
    "unsubscribe": unsubscribe_payload("c1", "p1"),
}


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_a_token_gives_back_its_payload(kind: Kind) -> None:
    token = Tokens("secret").make(kind, PAYLOADS[kind])

    assert Tokens("secret").verify(kind, token) == PAYLOADS[kind]


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_a_token_is_url_safe(kind: Kind) -> None:
    token = Tokens("secret").make(kind, PAYLOADS[kind])

    assert token.replace("-", "").replace("_", "").replace("~", "").isalnum()


def test_url_shape() -> None:
    url = Tokens("k").url("https://crm.example/", "open", open_payload("1", "c", None))

    assert url.startswith("https://crm.example/t/o/")
    assert Tokens("k").verify("open", url.rsplit("/", 1)[1]) == {"d": "1", "c": "c", "p": None}


def _flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: _flip(t, 3),  # payload
        lambda t: _flip(t, len(t) - 2),  # signature
        lambda t: t + "x",
        lambda t: t.partition("~")[0] + "~",
        lambda t: t[:-1] + "é",
        lambda t: "é" + t,
        lambda t: (
            Tokens("secret").make("click", {"u": "https://evil.example"}).partition("~")[0]
            + "~"
            + t.partition("~")[2]
        ),
    ],
)
def test_a_tampered_token_is_refused(tamper: Callable[[str], str]) -> None:
    token = Tokens("secret").make("click", PAYLOADS["click"])

    with pytest.raises(ValidationFailed):
        Tokens("secret").verify("click", tamper(token))


def test_a_token_of_another_purpose_or_secret_is_refused() -> None:
    tokens = Tokens("secret")
    click = tokens.make("click", PAYLOADS["click"])

    with pytest.raises(ValidationFailed):
        tokens.verify("open", click)
    with pytest.raises(ValidationFailed):
        Tokens("another").verify("click", click)


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_tokens_in_emails_sent_before_the_compact_format_still_work(kind: Kind) -> None:
    legacy = URLSafeSerializer("secret", salt=f"crm.campaigns.{kind}").dumps(PAYLOADS[kind])

    assert Tokens("secret").verify(kind, str(legacy)) == PAYLOADS[kind]
    with pytest.raises(ValidationFailed):
        Tokens("another").verify(kind, str(legacy))
    with pytest.raises(ValidationFailed):
        Tokens("secret").verify(kind, _flip(str(legacy), 2))
