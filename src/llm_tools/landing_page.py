"""Write a landing page as a structured spec; `landing_pages` renders and sanitises the HTML.

The model writes the page's text and chooses its form fields by label and type. Two parts of
the form are decided here instead, because they are rules rather than writing and a small model
gets them wrong: each field's name (the form key) is derived from its label ("Work email" ->
`work_email`), and a required "Email" field goes first when the model chose none of type
'email', since a page must be able to reach its leads.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator

from llm_tools.gateway import Gateway, default_gateway
from llm_tools.inputs import Brand, Campaign
from llm_tools.text import reject_placeholders

TOOL = "landing_page"
MAX_TOKENS = 1000
MAX_FIELDS = 6
Clean = Annotated[str, AfterValidator(reject_placeholders)]
FIELD_NAME_MAX = 40
_FIELD_NAME = re.compile(rf"^[a-z][a-z0-9_]{{0,{FIELD_NAME_MAX - 1}}}$")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class LandingPageIn(BaseModel):
    campaign: Campaign
    brand: Brand
    audience: str | None = Field(default=None, description="Who the page is for.")


class Section(BaseModel):
    heading: Clean = Field(min_length=2, max_length=80, description="Section heading.")
    body: Clean = Field(
        min_length=10, max_length=800, description="One or two short paragraphs of plain text."
    )
    bullets: list[Annotated[Clean, Field(min_length=2, max_length=160)]] = Field(
        default_factory=list, max_length=6, description="Optional short bullet points."
    )


class CallToAction(BaseModel):
    label: Clean = Field(
        min_length=2, max_length=40, description="Button text, e.g. 'Book a demo'."
    )


class FormFieldDraft(BaseModel):
    label: Clean = Field(
        min_length=2, max_length=60, description="Label shown to the visitor, e.g. 'Work email'."
    )
    type: Literal["text", "email", "tel", "textarea", "checkbox"] = Field(description="Input type.")
    required: bool = Field(description="Whether the visitor must fill it in.")


class FormField(FormFieldDraft):
    name: str = Field(description="Field key in snake_case, e.g. 'email' or 'company'.")

    @model_validator(mode="after")
    def _name(self) -> FormField:
        if not _FIELD_NAME.match(self.name):
            raise ValueError(f"name {self.name!r} must be snake_case letters, digits and _")
        return self


def field_name(label: str) -> str:
    """The form key for a label: "Work email" -> "work_email", "2nd phone" -> "field_2nd_phone"."""
    name = _NOT_WORD.sub("_", label.lower()).strip("_")
    if not name[:1].isalpha():
        name = f"field_{name}".rstrip("_")
    return name[:FIELD_NAME_MAX].rstrip("_")


class _PageText(BaseModel):
    headline: Clean = Field(min_length=5, max_length=80, description="Main headline.")
    subheadline: Clean = Field(
        min_length=5, max_length=160, description="One sentence under the headline."
    )
    sections: list[Section] = Field(
        min_length=1, max_length=5, description="Content sections, most important first."
    )
    call_to_action: CallToAction = Field(description="The one action the page asks for.")
    seo_title: Clean = Field(
        min_length=5, max_length=60, description="Search result title, at most 60 characters."
    )
    seo_description: Clean = Field(
        min_length=20,
        max_length=160,
        description="Search result description, at most 160 characters.",
    )


class PageDraft(_PageText):
    """What the model writes: the page with its form fields by label."""

    form_fields: list[FormFieldDraft] = Field(
        max_length=MAX_FIELDS - 1,
        description="Form fields besides the email address (which is always asked), e.g. name "
        "or company; each with its own label.",
    )

    @model_validator(mode="after")
    def _unique(self) -> PageDraft:
        names = [field_name(field.label) for field in self.form_fields]
        if len(names) != len(set(names)):
            raise ValueError(f"form_fields: give each field its own label, got {names}")
        return self


class LandingPageSpec(_PageText):
    form_fields: list[FormField] = Field(
        min_length=1,
        max_length=MAX_FIELDS,
        description="Form fields to collect; must include one of type 'email'.",
    )

    @model_validator(mode="after")
    def _form(self) -> LandingPageSpec:
        if not any(field.type == "email" for field in self.form_fields):
            raise ValueError("form_fields: add a field of type 'email' so leads can be reached")
        names = [field.name for field in self.form_fields]
        if len(names) != len(set(names)):
            raise ValueError(f"form_fields: names must be unique, got {names}")
        return self


def compose(draft: PageDraft) -> LandingPageSpec:
    """The page spec: the draft's fields named from their labels, an email field if none."""
    fields = [
        FormField(**field.model_dump(), name=field_name(field.label)) for field in draft.form_fields
    ]
    if not any(field.type == "email" for field in fields):
        email = FormField(name="email", label="Email", type="email", required=True)
        # A model-chosen field labelled "Email" but typed otherwise gives way to the real one.
        fields = [email, *(field for field in fields if field.name != email.name)]
    return LandingPageSpec(**draft.model_dump(exclude={"form_fields"}), form_fields=fields)


async def write_landing_page(
    inp: LandingPageIn, *, gateway: Gateway | None = None, run: str | None = None
) -> LandingPageSpec:
    from prompts import render

    gateway = gateway or default_gateway()
    draft = await gateway.generate(
        PageDraft,
        tool=TOOL,
        prompt=render("landing_page", **dict(inp)),
        run=run,
        max_tokens=MAX_TOKENS,
    )
    return compose(draft)
