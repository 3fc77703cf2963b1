"""The hand-off journal: what a run has handed to a channel, and what went out.

A worker claims a group of deliveries in one statement (`sending`), hands them to the channel
one at a time and writes their outcomes with its next claim; so after a crash most of the
`sending` ones were either never handed over or sent already. On channels where a repeat is
not harmless (SMTP) the worker appends to its run's journal, a local file, the delivery key
just before each hand-off and `<key> sent` once the server accepted it: one write(2) each,
microseconds, where a database round trip per message would cost more than sending it. A
write is in the operating system before the next step, so it survives the process being killed
(kill -9, out of memory). `resume` then re-queues what the dead run never handed over, records
as sent what the journal says went out, and only the rest (in flight at the crash, at most one
per worker) goes to review.

A journal is trusted only on the host and within the boot it was written in (a machine crash
can lose writes not yet on disk), so its first line is the boot id. Without a journal to trust
(another host, a reboot, no boot id on this system) every delivery left `sending` goes to
review, the safe side. A run that ends normally has written every outcome and removes its
journal; `resume` removes the journals it read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kernel.settings import Settings

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _boot() -> str | None:
    try:
        return BOOT_ID.read_text().strip() or None
    except OSError:
        return None


def journal_path(settings: Settings, run_id: str) -> Path:
    return settings.data_dir / "handoff" / f"{run_id}.log"


class Journal:
    """The journal a run appends to; one per run, shared by its channels' workers."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(self._fd, f"boot {_boot()}\n".encode())

    def handed(self, delivery: str) -> None:
        os.write(self._fd, f"{delivery}\n".encode())

    def sent(self, delivery: str) -> None:
        os.write(self._fd, f"{delivery} sent\n".encode())

    def close(self, *, remove: bool) -> None:
        os.close(self._fd)
        if remove:
            self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Journaled:
    handed: set[str]
    sent: set[str]


def read(path: Path) -> Journaled | None:
    """What a run journaled; None when there is no journal this boot can trust."""
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return None
    boot = _boot()
    if boot is None or not lines or lines[0] != f"boot {boot}":
        return None
    sent = {line.removesuffix(" sent") for line in lines[1:] if line.endswith(" sent")}
    return Journaled(handed={line for line in lines[1:] if " " not in line}, sent=sent)
