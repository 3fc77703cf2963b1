"""The server-info file `crm serve` keeps next to an embedded database it holds.

`<db>.server` holds the server's URL, pid and a random per-process token (mode 0600: only the
database's owner can read it), and whether the CLI started it to keep the database open
(`kept_open`: it then steps aside for a command that needs the file itself). A server writes it
when it starts opening the database (`ready` false: commands wait for it instead of failing on
the lock) and again when it serves. Other `crm` commands on the machine find the server there
and call its REST API with the token. Standard library only: the CLI reads it without importing
the web stack.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from kernel.processes import alive


@dataclass(frozen=True)
class ServerInfo:
    url: str
    pid: int
    token: str
    kept_open: bool = False
    ready: bool = True


def info_file(db_file: Path) -> Path:
    return db_file.with_name(db_file.name + ".server")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def write(db_file: Path, info: ServerInfo) -> None:
    path = info_file(db_file)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(
            {
                "url": info.url,
                "pid": info.pid,
                "token": info.token,
                "kept_open": info.kept_open,
                "ready": info.ready,
            },
            out,
        )
    tmp.replace(path)


def remove(db_file: Path, pid: int) -> None:
    """Remove the file if it is still this process's (a newer server may have replaced it)."""
    found = read(db_file, alive_only=False)
    if found is not None and found.pid == pid:
        info_file(db_file).unlink(missing_ok=True)


def read(db_file: Path, *, alive_only: bool = True) -> ServerInfo | None:
    """The running server, or None; a file left by a server that died is ignored."""
    try:
        data = json.loads(info_file(db_file).read_text())
        info = ServerInfo(
            url=str(data["url"]),
            pid=int(data["pid"]),
            token=str(data["token"]),
            kept_open=data.get("kept_open") is True,
            ready=data.get("ready") is not False,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if alive_only and not alive(info.pid):
        return None
    return info
