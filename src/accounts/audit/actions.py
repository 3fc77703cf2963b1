"""The actions the audit log records, named the same whether the API or the CLI did them."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """`kind.verb`; the console records the same actions as the API, and its own (an asset's
    hand edit, a contact saved from a form, …)."""

    APIKEY_CREATE = "apikey.create"
    APIKEY_REVOKE = "apikey.revoke"
    CONTACTS_EXPORT = "contacts.export"
    CONTACTS_IMPORT = "contacts.import"
    CONTACT_CREATE = "contact.create"
    CONTACT_UPDATE = "contact.update"
    CAMPAIGN_CREATE = "campaign.create"
    CAMPAIGN_GENERATE = "campaign.generate"
    CAMPAIGN_ASSET_EDIT = "campaign.asset_edit"
    CAMPAIGN_REVIEW = "campaign.review"
    SEGMENT_SAVE = "segment.save"
    CAMPAIGN_APPROVE = "campaign.approve"
    CAMPAIGN_EXECUTE = "campaign.execute"
    CAMPAIGN_RESUME = "campaign.resume"
    CAMPAIGN_PAUSE = "campaign.pause"
    CAMPAIGN_CANCEL = "campaign.cancel"
    CAMPAIGN_REGENERATE = "campaign.regenerate"
    CONTACT_DELETE = "contact.delete"
    COMPANY_DELETE = "company.delete"
    SEGMENT_DELETE = "segment.delete"
    PAGE_DELETE = "page.delete"
    PAGE_PUBLISH = "page.publish"
    PAGE_UNPUBLISH = "page.unpublish"
    PAGE_EDIT = "page.edit"
    PAGE_SUBMISSIONS_EXPORT = "page.submissions_export"
    SCHEDULE_CREATE = "schedule.create"
    SCHEDULE_PAUSE = "schedule.pause"
    SCHEDULE_RESUME = "schedule.resume"
    SCHEDULE_DELETE = "schedule.delete"
    WORKSPACE_CREATE = "workspace.create"
    WORKSPACE_RENAME = "workspace.rename"
    WORKSPACE_DELETE = "workspace.delete"

    @property
    def kind(self) -> str:
        """What the action's target is: `campaign` for `campaign.approve`."""
        return self.value.split(".", 1)[0]

    def target(self, ref: str) -> str:
        return f"{self.kind}:{ref}" if ref else ""
