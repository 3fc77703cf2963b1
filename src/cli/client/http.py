"""The CLI's one REST client: commands go through a server's API instead of the database when
`--api-url`/`CRM_API_URL` names one, or when `crm serve` holds the embedded database here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from api import server_info
from cli.output import fail, stderr
from crm.db import embedded_file
from kernel.settings import Settings

if TYPE_CHECKING:
    import httpx  # imported by `Api`: commands on the local database never load it

API_PREFIX = "/api/v1"
WORKSPACE_HEADER = "X-CRM-Workspace"
# Job polling: quick at first (most jobs are short), then at most once a second.
POLL_FIRST, POLL_MAX = 0.1, 1.0
READY_POLL = 0.05
UPLOAD_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Target:
    """A server to call: its base URL, the key to send, and the pid when it is `crm serve`
    holding this machine's embedded database (found through its server-info file)."""

    url: str
    key: str
    local_pid: int | None = None
    workspace: str = ""  # the local `crm serve` works in this one for us (its token is an owner)
    kept_open: bool = False  # that server was started by the CLI (cli.client.keep_open)

    def cannot(self) -> str:
        """What to do when a command has no REST route to go through."""
        if self.local_pid is not None:
            return (
                f"this command cannot go through the API of the local `crm serve` or "
                f"`crm worker` (pid {self.local_pid}, {self.url}), which holds the database: "
                f"stop the server (kill {self.local_pid}), run the command, then start it again"
            )
        return (
            f"this command cannot go through the API of a remote server ({self.url}, from "
            "--api-url or CRM_API_URL): run it on the server's machine, or without --api-url "
            "and CRM_API_URL"
        )


class StepAside(Exception):
    """A command needs the database file while the CLI's background server holds it."""


def find_target(settings: Settings, api_url: str | None) -> Target | None:
    """`--api-url`, else CRM_API_URL, else a live `crm serve` holding the embedded database
    (waited for while it opens the file)."""
    url = api_url or settings.api_url
    if url:
        return Target(url=url.rstrip("/"), key=settings.api_key)
    path = embedded_file(settings.database_url)
    info = server_info.read(path) if path is not None else None
    if path is not None and info is not None and not info.ready:
        stderr.print(f"Waiting for the crm server (pid {info.pid}) to open the database …")
        while info is not None and not info.ready:
            time.sleep(READY_POLL)
            info = server_info.read(path)
    if info is None:
        return None
    return Target(
        url=info.url.rstrip("/"),
        key=info.token,
        local_pid=info.pid,
        workspace=settings.workspace,
        kept_open=info.kept_open,
    )


def seg(ref: str) -> str:
    """A user-given id or name as one URL path segment."""
    return quote(ref, safe="")


class Api:
    """Calls the API and returns the decoded JSON; any failure is one red line (exit 1)."""

    def __init__(self, target: Target) -> None:
        import httpx

        self.target = target
        headers = {"Authorization": f"Bearer {target.key}"} if target.key else {}
        if target.workspace:
            headers[WORKSPACE_HEADER] = target.workspace
        self._client = httpx.AsyncClient(
            base_url=target.url, headers=headers, timeout=httpx.Timeout(60.0, connect=5.0)
        )

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    def cannot(self) -> Exception:
        """The error of a command that has no REST route (for the CLI's own background
        server: the request to step aside, see cli.client.keep_open)."""
        if self.target.kept_open:
            return StepAside()
        return fail(self.target.cannot())

    async def get(self, path: str, **params: Any) -> Any:
        return await self.request("GET", path, params=params)

    async def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return await self.request("POST", path, json=body, params=params)

    async def patch(self, path: str, body: Any) -> Any:
        return await self.request("PATCH", path, json=body)

    async def delete(self, collection: str, ref: str) -> str:
        """Delete by id or name (email, domain…); the deleted record's id."""
        found = str((await self.get(f"{collection}/{seg(ref)}"))["id"])
        await self.request("DELETE", f"{collection}/{seg(found)}")
        return found

    async def upload(self, path: str, file: Path, **params: Any) -> Any:
        """POST a CSV file, streamed from disk."""

        async def chunks() -> AsyncIterator[bytes]:
            with file.open("rb") as body:
                while chunk := body.read(UPLOAD_CHUNK):
                    yield chunk

        headers = {"Content-Type": "text/csv"}
        return await self.request("POST", path, content=chunks(), headers=headers, params=params)

    async def download(self, path: str, dest: Path, **params: Any) -> httpx.Headers:
        """GET into `dest`, streamed to disk; the response headers."""
        async with self._send("GET", path, params=params) as response:
            with dest.open("wb") as out:
                async for chunk in response.aiter_bytes():
                    out.write(chunk)
            return response.headers

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """`path` is under /api/v1 (`contacts/abc`); absolute paths (a job's URL) as they are."""
        async with self._send(method, path, **kwargs) as response:
            await response.aread()
            return response.json() if response.content else None

    @asynccontextmanager
    async def _send(self, method: str, path: str, **kwargs: Any) -> AsyncIterator[httpx.Response]:
        import httpx

        url = path if path.startswith("/") else f"{API_PREFIX}/{path}"
        params = {k: v for k, v in (kwargs.pop("params", None) or {}).items() if v is not None}
        try:
            async with self._client.stream(method, url, params=params, **kwargs) as response:
                if not response.is_success:
                    await response.aread()
                    raise fail(self._error(response))
                yield response
        except httpx.TransportError as exc:
            raise fail(
                f"cannot reach the crm server at {self.target.url} ({exc or type(exc).__name__}); "
                "is `crm serve` running there? Check --api-url / CRM_API_URL"
            ) from None

    async def wait(self, job: dict[str, Any]) -> Any:
        """A 202 job's result once it is done; its error as the failure otherwise."""
        delay = POLL_FIRST
        while job["status"] not in ("done", "failed"):
            await asyncio.sleep(delay)
            delay = min(delay * 2, POLL_MAX)
            job = await self.request("GET", job["status_url"])
        if job["status"] == "failed":
            raise fail((job.get("error") or {}).get("message") or "the job failed")
        return job["result"]

    def _error(self, response: httpx.Response) -> str:
        try:
            message = str(response.json()["error"]["message"])
        except (ValueError, KeyError, TypeError):
            message = f"{response.status_code} {response.reason_phrase}"
        if response.status_code in (401, 403):
            return (
                f"the server at {self.target.url} refused the API key ({message}): set "
                "CRM_API_KEY to a key it accepts (CRM_API_KEYS or `crm apikeys create` there)"
            )
        return message
