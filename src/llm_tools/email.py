"""Write one personalised marketing email: subject, preheader, plain text and simple HTML.

The model writes the subject and the message, whose first sentence is the preheader. The
parts that the caller's data already decides are composed here instead, because a model asked
to copy them writes `[Your Name]` or a made-up sender (small models do, every time): the
greeting ("Hi Ada,", or the merge field `Hi {{first_name|there}},` for a segment-level email),
the campaign link when the message lacks it, and the sign-off with the sender's name.
`EmailOut.templated` names the parts added. The HTML body is derived from the text (escaped
paragraphs and links), so both versions say the same thing and no model-written markup
reaches an inbox.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

from llm_tools.gateway import Gateway, default_gateway
from llm_tools.inputs import Brand, Campaign, CompanyProfile, ContactProfile
from llm_tools.text import first_sentence, reject_placeholders, text_to_html

SUBJECT_MAX = 78
PREHEADER_MAX = 120
TOOL = "email"
# Two or three short paragraphs; the limit bounds a small model's rambling, not a style.
MESSAGE_MAX = 1200
MAX_TOKENS = 450
# The greeting of an email to no one in particular: a merge field, filled in per contact at send
# time (see campaigns.merge_fields).
GREETING_FIELD = "Hi {{first_name|there}},"

# The tool greets and signs off, so a greeting or sign-off in the message is cut rather than
# re-asked: "Hi Ada, Dear Ada, ..." is a defect of the composition, and small models repeat it.
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|greetings|good (morning|afternoon|evening))\b[^\n,.!?:]{0,40}"
    r"([,.!?:]|\n)\s*",
    re.I,
)
_SIGN_OFF = re.compile(
    r"(^|\n)[ \t]*((best|kind|warm) (regards|wishes)|regards|sincerely|cheers|yours)\b"
    r".*(\n.*){0,2}\Z",
    re.I,
)

Clean = Annotated[str, AfterValidator(reject_placeholders)]
Part = Literal["greeting", "link", "sign_off"]


class EmailIn(BaseModel):
    contact: ContactProfile
    company: CompanyProfile | None = None
    campaign: Campaign
    brand: Brand


class EmailDraft(BaseModel):
    """What the model writes."""

    subject: Clean = Field(
        min_length=3,
        max_length=SUBJECT_MAX,
        description=f"Subject line about the offer, at most {SUBJECT_MAX} characters.",
    )
    message: Clean = Field(
        min_length=40,
        max_length=MESSAGE_MAX,
        description="The message: 2 or 3 short paragraphs about the offer, ending with one "
        "call to action. No greeting and no sign-off: both are added. Plain text.",
    )

    @field_validator("message", mode="before")
    @classmethod
    def _message_only(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        message = _SIGN_OFF.sub("", _GREETING.sub("", value, count=1)).strip()
        return message[:1].upper() + message[1:]


class EmailOut(BaseModel):
    subject: str = Field(description="Subject line.")
    preheader: str = Field(
        description="Inbox preview text: the message's first sentence, or '' if it is too long."
    )
    body: str = Field(description="The plain-text email: greeting, message, link, sign-off.")
    body_html: str = Field(
        description="The body as simple HTML (paragraphs and links), derived from the text."
    )
    templated: list[Part] = Field(
        description="Parts of the body composed from the input, not written by the model."
    )


def compose(draft: EmailDraft, inp: EmailIn) -> EmailOut:
    """The whole email: the model's message between a greeting and a sign-off from `inp`."""
    first_name = inp.contact.first_name
    link = inp.campaign.link
    message = draft.message.strip()
    parts = [f"Hi {first_name}," if first_name else GREETING_FIELD, message]
    templated: list[Part] = ["greeting"]
    if link and link not in message:
        parts.append(link)
        templated.append("link")
    parts.append(f"Best regards,\n{inp.campaign.sender_name or inp.brand.name}")
    templated.append("sign_off")
    body = "\n\n".join(parts)
    return EmailOut(
        subject=draft.subject,
        preheader=first_sentence(message, PREHEADER_MAX),
        body=body,
        body_html=text_to_html(body),
        templated=templated,
    )


async def write_email(
    inp: EmailIn, *, gateway: Gateway | None = None, run: str | None = None
) -> EmailOut:
    from prompts import render

    gateway = gateway or default_gateway()
    draft = await gateway.generate(
        EmailDraft,
        tool=TOOL,
        prompt=render("email", **dict(inp)),
        run=run,
        max_tokens=MAX_TOKENS,
    )
    return compose(draft, inp)
