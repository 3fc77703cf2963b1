"""Rules may name campaigns (`opened campaign "x"`), which the campaigns package keeps on a floor
above: it installs how names become keys (`campaigns.wiring.register`). For each ref (an id,
or a name compared like segment names), the keys of the campaigns it names.

A module of its own, importing nothing heavy: every `crm` command installs the lookup, few
compile rules."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crm.db import Database

CampaignLookup = Callable[["Database", list[str]], Awaitable[dict[str, tuple[str, ...]]]]
_installed: list[CampaignLookup] = []


def look_up_campaigns_with(lookup: CampaignLookup) -> None:
    _installed[:] = [lookup]


def installed() -> CampaignLookup:
    if not _installed:
        raise LookupError("rules that name campaigns need campaigns.wiring.register() first")
    return _installed[0]
