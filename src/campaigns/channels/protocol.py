"""The channel protocol: what the executor hands a channel (`Outgoing`, `Context`), what a
channel makes of it (`Rendered`) and how the send went (`Result`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx

    from campaigns.models import Campaign
    from campaigns.tracking import Tokens
    from crm.contacts.models import Contact
    from kernel.settings import Settings


class Outcome(StrEnum):
    SENT = "sent"
    # Certainly not delivered, worth another try (4xx, connection refused, 5xx from HTTP).
    RETRY = "retry"
    # Certainly not delivered, and trying again will not help (5xx SMTP, 4xx HTTP).
    FAILED = "failed"
    # Maybe delivered: the connection broke after the message was handed over.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    detail: str | None = None
    # RETRY: a temporary rejection of this one message (greylisting, a full mailbox) rather
    # than trouble with the server; a send error only once its retries run out.
    deferred: bool = False
    # FAILED: the recipient's address was refused for good (no such user): a hard bounce.
    bounce: bool = False


@dataclass(frozen=True)
class Outgoing:
    """What to render: one delivery of an approved asset."""

    delivery: str
    channel: str
    campaign: Campaign
    contact: Contact | None
    content: dict[str, Any]
    # A test send (email): rendered for `contact` but sent to this address, marked as a test,
    # its links and pixel naming no contact so following them changes nobody's record.
    test_to: str | None = None


@dataclass(frozen=True)
class Rendered:
    delivery: str
    channel: str
    # The outbox file name (`<delivery>.eml` or `.json`) and the bytes sent or written.
    filename: str
    body: bytes
    recipient: str | None = None
    sender: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    name: str
    idempotent: bool

    def render(self, item: Outgoing) -> Rendered: ...

    async def send(self, message: Rendered) -> Result: ...

    async def aclose(self) -> None: ...


@dataclass
class Context:
    """What channels need from the outside world, built once per executor run."""

    settings: Settings
    tokens: Tokens
    campaign: Campaign
    outbox: Path
    http: httpx.AsyncClient | None = None


def check_cancelled() -> None:
    """Raise CancelledError if the current task was asked to stop.

    asyncio.wait_for (which aiosmtplib awaits replies with) drops a cancellation that arrives
    in the same loop step as the reply on Python 3.11; the task then carries on, possibly into
    a wait that never ends. Calling this between steps honours such a lost cancellation.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
