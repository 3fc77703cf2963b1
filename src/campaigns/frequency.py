"""The per-contact email frequency limit: who other campaigns emailed within the window.

Looking up each contact's deliveries (an index lookup per contact) cost more than sending the
message. So a run reads every email other campaigns sent within the window once, from the
`sent_at` index, and answers from memory while no other campaign sends. While one does (it is
running, or its state changed since the last look, so it may have sent meanwhile), each page
asks the database per contact as before, and the next quiet page reads the window again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from campaigns import delivery_repository, repository
from crm.db import Database

# Campaign states are changed with the writer's clock: allow for clocks a little apart.
CLOCK_MARGIN = timedelta(minutes=1)


class RecentEmails:
    def __init__(self, campaign: str, hours: float, *, margin: timedelta = CLOCK_MARGIN) -> None:
        self.campaign = campaign
        self.window = timedelta(hours=hours)
        self.margin = margin
        self._last: dict[str, datetime] | None = None  # contact -> latest email; None: re-read
        self._looked: datetime | None = None

    async def among(self, db: Database, contacts: list[str]) -> set[str]:
        """The contacts among `contacts` another campaign emailed within the window."""
        if not contacts or self.window <= timedelta(0):
            return set()
        now = datetime.now(UTC)
        since = now - self.window
        busy = await repository.others_sending(
            db, self.campaign, since=(self._looked or now) - self.margin
        )
        self._looked = now
        if busy:
            self._last = None
            return await delivery_repository.recently_emailed(
                db, contacts, since=since, exclude_campaign=self.campaign
            )
        if self._last is None:
            self._last = await delivery_repository.emailed_since(
                db, since, exclude_campaign=self.campaign
            )
        return {c for c in contacts if self._last.get(c, since) > since}
