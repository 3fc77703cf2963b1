"""The SurrealDB connection: open (with a file lock for embedded files), query, retry, close."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from crm import storage_upgrade
from crm.wire import EmbeddedEngine, RecordID
from kernel import lifetime
from kernel.errors import Conflict, DatabaseError, DatabaseLocked
from kernel.logs import get_logger
from kernel.settings import Settings

log = get_logger(__name__)

EMBEDDED_FILE_SCHEMES = ("surrealkv://", "rocksdb://", "file://")
# The embedded engine finishes background work on its own threads after close(); leaving the
# interpreter before that aborts the process, so close() gives it this long once the
# connection ran a statement that may write. (Measured here without the wait: one abort in 130
# runs that wrote, none in 200 that only read.)
EMBEDDED_SETTLE_SECONDS = 0.05
# A query that is one transaction, as crm writes them (BEGIN first, COMMIT last).
_TRANSACTION = re.compile(r"\s*BEGIN\b.*\bCOMMIT\s*;?\s*", re.DOTALL | re.IGNORECASE)
_MAY_WRITE = re.compile(
    r"\b(CREATE|UPDATE|UPSERT|INSERT|DELETE|RELATE|DEFINE|REMOVE|ALTER|REBUILD|BEGIN)\b",
    re.IGNORECASE,
)


class TransactionConflict(DatabaseError):
    """A read/write conflict the database says can be retried; never escapes `Database.query`."""


def record_key(value: Any) -> str:
    """`contact:abc` (RecordID or string) -> `"abc"`: the opaque id shown outside `crm`."""
    if isinstance(value, RecordID):
        return str(value.id)
    text = str(value)
    return text.split(":", 1)[1] if ":" in text else text


def record(table: str, key: str) -> RecordID:
    return RecordID(table, record_key(key))


@dataclass(frozen=True, slots=True)
class Pattern:
    """A regular expression (the syntax of Rust's `regex`) bound as a query parameter. The wire
    has no type for one, so `Database.query` turns it into one first, once per query
    (`LET $name = <regex> $name`): the same cast inside a WHERE runs again on every record."""

    source: str


def new_key() -> str:
    """A random record key of 12 characters (60 bits) for companies created in bulk. The
    engine's own keys have 20, and a key is stored again in its index entries and in every
    contact's link (and that link's index entry). Contacts keep the engine's keys: with a key
    given, `INSERT … ON DUPLICATE KEY` raises on a taken email instead of returning it."""
    return base64.b32encode(os.urandom(8)).decode()[:12].lower()


def plain(value: Any) -> Any:
    """Replace record ids with their keys, recursively, for models and JSON."""
    if isinstance(value, RecordID):
        return str(value.id)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


_NOT_EXECUTED = "not executed due to a failed transaction"


def _classify(message: str) -> DatabaseError | Conflict:
    if "can be retried" in message or "read or write conflict" in message:
        return TransactionConflict(message)
    if "already contains" in message or "already exists" in message:
        return Conflict(message)
    return DatabaseError(message)


_DATABASE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class _Writes:
    """Whether a connection ran a statement that may write, shared by its `Database` views."""

    seen = False


class Database:
    """A connected database. Services receive it; only `connect` opens and closes one.

    `using(name)` gives another database of the same namespace on the same connection: each of
    its queries starts with `USE DB name`, which holds for that query alone, so views of
    several databases can run side by side (one per workspace, and the system database)."""

    def __init__(
        self, conn: Any, url: str, *, default: str, name: str = "", writes: _Writes | None = None
    ) -> None:
        self._conn = conn
        self.url = url
        self._default = default  # the database the connection was opened on: no USE needed
        self._use = f"USE DB {name};\n" if name and name != default else ""
        self._writes = writes or _Writes()

    def using(self, name: str) -> Database:
        if name != self._default and not _DATABASE_NAME.match(name):
            raise ValueError(f"not a database name: {name!r}")
        return Database(self._conn, self.url, default=self._default, name=name, writes=self._writes)

    async def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        """Run one or more statements; returns each statement's result, in order.

        Values must come in through `params` (bound `$name`s), never through `sql`.
        A transaction conflict is retried with jittered backoff; any failed statement raises.
        """
        async for attempt in AsyncRetrying(
            retry=retry_if_exception_type(TransactionConflict),
            stop=stop_after_attempt(8),
            wait=wait_random_exponential(multiplier=0.01, max=0.5),
            reraise=True,
        ):
            with attempt:
                return await self._query_once(sql, dict(params or {}))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _query_once(self, sql: str, params: dict[str, Any]) -> list[Any]:
        if not self._writes.seen and _MAY_WRITE.search(sql):
            self._writes.seen = True
        patterns = [name for name, value in params.items() if isinstance(value, Pattern)]
        for name in patterns:
            if not _PARAM_NAME.match(name):
                raise ValueError(f"not a parameter name: {name!r}")
            params[name] = params[name].source
        before = self._use + "".join(f"LET ${name} = <regex> ${name};\n" for name in patterns)
        try:
            response = await self._conn.query_raw(before + sql, params)
        except Exception as exc:  # the embedded engine raises RuntimeError for parse errors
            raise _classify(str(exc)) from exc
        if response.get("error"):
            raise _classify(str(response["error"].get("message", response["error"])))
        statements = response.get("result", [])
        failed = [str(s.get("result")) for s in statements if s.get("status") == "ERR"]
        if failed:
            # In a failed transaction every statement reports "not executed due to a failed
            # transaction"; the one that really failed says why.
            causes = [m for m in failed if _NOT_EXECUTED not in m]
            raise _classify((causes or failed)[0])
        results = [s.get("result") for s in statements][(1 if self._use else 0) + len(patterns) :]
        if self._conn.answers_transaction_statements and _TRANSACTION.fullmatch(sql):
            return results[1:-1]
        return results

    async def one(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        """The result of the last statement."""
        results = await self.query(sql, params)
        return results[-1] if results else None


def embedded_file(url: str) -> Path | None:
    for scheme in EMBEDDED_FILE_SCHEMES:
        if url.startswith(scheme):
            return Path(url[len(scheme) :])
    return None


def _owner_file(path: Path) -> Path:
    return path.with_name(path.name + ".owner")


def lock_owner(path: Path) -> dict[str, Any] | None:
    """Who holds the embedded database file, as recorded when it was locked (pid, command)."""
    try:
        data: dict[str, Any] = json.loads(_owner_file(path).read_text())
    except (OSError, ValueError):
        return None
    return data


async def _lock(path: Path, timeout: float) -> FileLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Acquired on a worker thread and released on this one: a thread-local lock would ignore
    # that release and stay held for the rest of the process.
    lock = FileLock(str(path.with_name(path.name + ".lock")), thread_local=False)
    try:
        await asyncio.to_thread(lock.acquire, timeout=timeout)
    except Timeout:
        owner = lock_owner(path)
        who = f" (pid {owner['pid']}: {owner['command']})" if owner else ""
        raise DatabaseLocked(
            f"The database {path} is in use by another crm process{who}. Stop it, set "
            "CRM_DB_LOCK_TIMEOUT=<seconds> to wait for it, or point CRM_DB_URL at a SurrealDB "
            "server.",
            details={"path": str(path), "owner": owner},
        ) from None
    owner = {"pid": os.getpid(), "command": " ".join(["crm", *sys.argv[1:]])[:200]}
    _owner_file(path).write_text(json.dumps(owner))
    return lock


def _unlock(path: Path, lock: FileLock) -> None:
    _owner_file(path).unlink(missing_ok=True)
    lock.release()


REMOTE_SCHEMES = ("ws://", "wss://", "http://", "https://")


async def _open(settings: Settings) -> Any:
    url = settings.database_url
    try:
        if url.startswith(REMOTE_SCHEMES):
            from crm.remote import RemoteServer

            return await RemoteServer.open(settings)
        engine = EmbeddedEngine(url)
    except Exception as exc:
        raise DatabaseError(f"Cannot connect to the database at {url}: {exc}") from exc
    try:
        await engine.use(settings.db_namespace, settings.db_database)
    except BaseException:
        await engine.close()
        raise
    return engine


async def _close(conn: Any, url: str, writes: _Writes) -> None:
    await conn.close()
    if writes.seen and not url.startswith(REMOTE_SCHEMES):
        await asyncio.sleep(EMBEDDED_SETTLE_SECONDS)


# Engines that wrote nothing, left open with their file locks until the process ends
# (kernel.lifetime): only in a process that ends after one command.
_LEFT_OPEN: dict[Path, tuple[Any, FileLock]] = {}


def _leave_open(path: Path, conn: Any, lock: FileLock) -> None:
    _LEFT_OPEN[path] = (conn, lock)
    # The OS releases the lock at the end; the owner record goes just before.
    lifetime.before_end(lambda: _owner_file(path).unlink(missing_ok=True))


@asynccontextmanager
async def connect(
    settings: Settings, *, announce: Callable[[str], None] | None = None
) -> AsyncIterator[Database]:
    """Open the configured database; embedded files are locked against a second process. A
    file that SurrealDB 2 wrote is first copied into SurrealDB 3's format, which `announce`
    (or the log) tells of."""
    url = settings.database_url
    path = embedded_file(url)
    writes = _Writes()
    if path is None:
        conn = await _open(settings)
        try:
            yield Database(conn, url, default=settings.db_database, writes=writes)
        finally:
            await _close(conn, url, writes)
        return
    left = _LEFT_OPEN.pop(path, None)
    if left is not None:  # a second connection in this process: the first one closes now
        await _close(left[0], url, _Writes())
        _unlock(path, left[1])
    lock = await _lock(path, settings.db_lock_timeout)
    try:
        if storage_upgrade.written_by_surrealdb2(path):
            await storage_upgrade.upgrade(path, announce or log.warning)
        conn = await _open(settings)
    except BaseException:
        _unlock(path, lock)
        raise
    try:
        yield Database(conn, url, default=settings.db_database, writes=writes)
    finally:
        if lifetime.ends_after_this_command() and not writes.seen:
            _leave_open(path, conn, lock)
        else:
            try:
                await _close(conn, url, writes)
            finally:
                _unlock(path, lock)
