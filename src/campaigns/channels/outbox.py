"""The outbox: rendered messages written as files (`.eml` for email, `.json` otherwise).

The default email transport when no SMTP server is configured, the file connector for social
posts, and where `--dry-run` puts everything. A file is named after its delivery and written
atomically, so writing it again after a crash replaces it with the same message.
"""

from __future__ import annotations

import os
from pathlib import Path

from campaigns.channels.protocol import Outcome, Rendered, Result


class OutboxWriter:
    idempotent = True

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.written = 0

    def path_for(self, message: Rendered) -> Path:
        return self.directory / message.filename

    async def send(self, message: Rendered) -> Result:
        # Small files on a local disk: a thread hop would cost more than the write.
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.path_for(message)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_bytes(message.body)
            os.replace(tmp, path)
        except OSError as exc:
            return Result(Outcome.RETRY, f"outbox write failed: {exc.strerror or exc}")
        self.written += 1
        return Result(Outcome.SENT)

    async def aclose(self) -> None:
        return None
