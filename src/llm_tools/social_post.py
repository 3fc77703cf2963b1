"""Write social posts per platform, within each platform's length limit, in several variants."""

from __future__ import annotations

import asyncio
import re
import unicodedata
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from llm_tools.gateway import Gateway, default_gateway
from llm_tools.inputs import Brand, Campaign
from llm_tools.text import reject_placeholders

Platform = Literal["x", "linkedin", "facebook", "instagram"]
LIMITS: dict[str, int] = {"x": 280, "linkedin": 3000, "facebook": 63206, "instagram": 2200}
# X shortens every link to a t.co URL of this length, whatever its real length.
X_LINK_LENGTH = 23
MAX_HASHTAGS = 5
TOOL = "social_post"
# In the schema, so a constrained decoder can only write real tags; a leading '#' is allowed
# because that is how people write them (the validator drops it).
HASHTAG_PATTERN = r"^#?[A-Za-z0-9_]{2,40}$"


def normalise_hashtag(text: str) -> str | None:
    """A tag as platforms accept it, or None when nothing usable is left: the '#' dropped,
    accents folded, words camel-cased (`#B2B-growth` → `B2BGrowth`, `#marketing 2` →
    `marketing2`)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    first, *rest = re.split(r"[^A-Za-z0-9_]+", ascii_text.strip().lstrip("#")) or [""]
    tag = first + "".join(word[:1].upper() + word[1:] for word in rest)
    return tag if re.fullmatch(HASHTAG_PATTERN, tag) else None


class SocialPostIn(BaseModel):
    campaign: Campaign
    brand: Brand
    platforms: list[Platform] = Field(min_length=1)
    variants: int = Field(default=2, ge=1, le=5)


class PostDraft(BaseModel):
    text: Annotated[str, AfterValidator(reject_placeholders)] = Field(
        min_length=10,
        max_length=3000,
        description="The post text without hashtags or the link; fits the platform's limit.",
    )
    hashtags: list[Annotated[str, Field(pattern=HASHTAG_PATTERN)]] = Field(
        default_factory=list,
        max_length=MAX_HASHTAGS,
        description=f"Up to {MAX_HASHTAGS} relevant hashtags, letters and digits only, no '#'.",
    )

    @field_validator("hashtags", mode="before")
    @classmethod
    def _normalise(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        tags = (normalise_hashtag(v) if isinstance(v, str) else v for v in value)
        return list(dict.fromkeys(tag for tag in tags if tag is not None))[:MAX_HASHTAGS]


class PostDrafts(BaseModel):
    variants: list[PostDraft] = Field(
        min_length=1, max_length=5, description="Different versions of the post, as requested."
    )

    @model_validator(mode="after")
    def _fits(self, info: ValidationInfo) -> PostDrafts:
        context: dict[str, Any] = info.context or {}
        wanted = context.get("variants")
        if wanted and len(self.variants) != wanted:
            raise ValueError(f"variants: write exactly {wanted} variants, not {len(self.variants)}")
        platform = context.get("platform")
        if platform:
            limit = LIMITS[platform]
            for number, draft in enumerate(self.variants, start=1):
                length = post_length(platform, draft, context.get("link"))
                if length > limit:
                    raise ValueError(
                        f"variants.{number}: {length} characters with hashtags and link; "
                        f"{platform} allows {limit}. Shorten the text."
                    )
        return self


@cache
def drafts_model(variants: int) -> type[PostDrafts]:
    """`PostDrafts` whose schema asks for exactly `variants` items (constrained decoders obey)."""
    return create_model(
        f"PostDrafts{variants}",
        __base__=PostDrafts,
        variants=(
            list[PostDraft],
            Field(
                min_length=variants,
                max_length=variants,
                description=f"{variants} different versions of the post.",
            ),
        ),
    )


class SocialPost(BaseModel):
    platform: Platform = Field(description="Where the post is published.")
    text: str = Field(description="The post text without hashtags or link.")
    hashtags: list[str] = Field(description="Hashtags without '#'.")
    link: str | None = Field(description="The campaign link appended to the post, if any.")
    full_text: str = Field(description="Text, hashtags and link as they are published.")


class SocialPostsOut(BaseModel):
    posts: list[SocialPost] = Field(description="All variants for all requested platforms.")


def compose(draft: PostDraft, link: str | None) -> str:
    parts = [draft.text.strip()]
    if draft.hashtags:
        parts.append(" ".join(f"#{tag}" for tag in draft.hashtags))
    if link:
        parts.append(link)
    return "\n\n".join(parts)


def post_length(platform: str, draft: PostDraft, link: str | None) -> int:
    text = compose(draft, link)
    if platform == "x" and link:
        return len(text) - len(link) + X_LINK_LENGTH
    return len(text)


async def _for_platform(
    inp: SocialPostIn, platform: Platform, gateway: Gateway, run: str | None
) -> list[SocialPost]:
    from prompts import render

    link = inp.campaign.link
    drafts = await gateway.generate(
        drafts_model(inp.variants),
        tool=TOOL,
        prompt=render(
            "social_post",
            campaign=inp.campaign,
            brand=inp.brand,
            platform=platform,
            limit=LIMITS[platform],
            variants=inp.variants,
        ),
        context={"platform": platform, "variants": inp.variants, "link": link},
        run=run,
        # Long platforms do not need long posts; this bounds cost and the small model's drift.
        max_tokens=min(1500, 200 * inp.variants + LIMITS[platform] // 4),
    )
    return [
        SocialPost(
            platform=platform,
            text=draft.text,
            hashtags=draft.hashtags,
            link=link,
            full_text=compose(draft, link),
        )
        for draft in drafts.variants
    ]


async def write_social_posts(
    inp: SocialPostIn, *, gateway: Gateway | None = None, run: str | None = None
) -> SocialPostsOut:
    gateway = gateway or default_gateway()
    per_platform = await asyncio.gather(
        *(_for_platform(inp, platform, gateway, run) for platform in dict.fromkeys(inp.platforms))
    )
    return SocialPostsOut(posts=[post for posts in per_platform for post in posts])
