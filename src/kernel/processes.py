"""Whether a process that left its pid behind (in a claim, a server-info file) still runs."""

from __future__ import annotations

import os
from pathlib import Path


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    return not _ended(pid)


def _ended(pid: int) -> bool:
    """Ended but not yet waited for by its parent (a zombie, on Linux): it holds nothing."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
