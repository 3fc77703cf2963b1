"""Structured logs: JSON lines appended to a log file, and on stderr only when asked
(`crm --verbose`, and the long-running `crm serve` and `crm worker`), so they never land in a
progress bar or in stdout's results (`--json`).

structlog is imported when the first line is logged (`get_logger`): importing it loads rich's
console and tracebacks, which takes longer than a read command's query."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO


class _Sink:
    """Where log lines go, looked up at write time: loggers may be bound before `configure`,
    and the stderr of a test runner or CliRunner is swapped between commands."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.to_stderr = True
        self._file: TextIO | None = None

    def route(self, path: Path | None, to_stderr: bool) -> None:
        if self._file is not None and path != self.path:
            self._file.close()
            self._file = None
        self.path, self.to_stderr = path, to_stderr

    def write(self, text: str) -> int:
        if self.to_stderr:
            sys.stderr.write(text)
        if self.path is not None:
            self._open().write(text)
        return len(text)

    def flush(self) -> None:
        if self.to_stderr:
            sys.stderr.flush()
        if self._file is not None:
            self._file.flush()

    def _open(self) -> TextIO:
        if self._file is None:
            assert self.path is not None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        return self._file


_sink = _Sink()


_level: int | None = None  # what `configure` asked for, until structlog is set up with it


def configure(level: str, *, file: Path | None = None, to_stderr: bool = False) -> None:
    """Log at `level` and above to `file` (appended), and to stderr if `to_stderr`."""
    global _level
    _level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    _sink.route(file, to_stderr)
    if "structlog" in sys.modules:
        _structlog()


def _structlog() -> ModuleType:
    """structlog, configured as `configure` last asked."""
    global _level
    import structlog

    if _level is not None:
        structlog.configure(
            processors=[
                structlog.processors.add_log_level,
                structlog.processors.TimeStamper(fmt="iso"),
                structlog.processors.JSONRenderer(),
            ],
            wrapper_class=structlog.make_filtering_bound_logger(_level),
            logger_factory=structlog.PrintLoggerFactory(_sink),  # type: ignore[arg-type]
            # Not cached: the level and the destination change between commands run in one
            # process (tests), and a cached logger would keep the first ones.
            cache_logger_on_first_use=False,
        )
        _level = None
    return structlog


class Logger:
    """A module's structlog logger (`log.info("event", key=value)`), imported when it logs."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, method: str) -> Any:
        return getattr(_structlog().get_logger(self.name), method)


def get_logger(name: str) -> Logger:
    return Logger(name)
