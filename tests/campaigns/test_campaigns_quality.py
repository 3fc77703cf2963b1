"""The quality gate on social posts: platform limits, hashtags, the brief's link."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from campaigns import quality
from campaigns.models import Asset, Brief, Campaign, State
from llm_tools.social_post import X_LINK_LENGTH

LINK = "https://example.com/spring"
NOW = datetime.now(UTC)


def _campaign() -> Campaign:
    brief = Brief(goal="Announce spring", link=LINK)
    return Campaign(id="c1", name="Spring", brief=brief, segment="all", channels=["x"],
                    state=State.REVIEW, created_at=NOW, updated_at=NOW)  # fmt: skip


def _findings(**content: Any) -> list[tuple[str, str]]:
    asset = Asset(id="a1", campaign="c1", channel="x", variant="1", version=1,
                  content=content, created_at=NOW)  # fmt: skip
    return [(f.check, f.message) for f in quality.check_asset(_campaign(), asset)]


def test_a_post_within_the_limits_with_the_link_passes() -> None:
    assert _findings(text="Spring is here", hashtags=["spring"], full_text=f"Spring {LINK}") == []


def test_a_post_over_the_platform_limit_with_too_many_hashtags_is_caught() -> None:
    text = "Spring is here. " * 20
    found = _findings(text=text, hashtags=["a", "b", "c", "d"], full_text=f"{text}\n\n{LINK}")

    assert found == [
        ("length", f"{len(text) + 2 + X_LINK_LENGTH} characters; x allows 280"),  # as x counts
        ("hashtags", "4 hashtags (at most 3)"),
    ]


def test_an_empty_post_without_the_link_is_caught() -> None:
    assert _findings(text=" ", hashtags=[], full_text="") == [
        ("empty", "the post text is empty"),
        ("link", f"no link to {LINK}"),
    ]
