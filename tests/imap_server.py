"""A tiny IMAP4rev1 server for tests: one user, one folder, just what imaplib's read-only
fetch needs (CAPABILITY, LOGIN, EXAMINE, UID SEARCH, UID FETCH, LOGOUT)."""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

_COMMAND = re.compile(rb"^(\S+) (UID )?(\S+) ?(.*)$", re.IGNORECASE)


@dataclass
class Mailbox:
    user: str
    password: str
    folder: str = "INBOX"
    messages: list[bytes] = field(default_factory=list)
    # Commands received, for tests that check nothing was changed on the server.
    commands: list[str] = field(default_factory=list)


def _args(text: bytes) -> list[str]:
    """The atoms and quoted strings of a command's arguments."""
    found = re.findall(rb'"((?:[^"\\]|\\.)*)"|(\S+)', text)
    return [(quoted or atom).decode() for quoted, atom in found]


class _Session(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self) -> None:
        box = self.server.box
        self.reply("* OK IMAP4rev1 test server ready")
        logged_in = False
        while line := self.rfile.readline():
            match = _COMMAND.match(line.rstrip(b"\r\n"))
            if match is None:
                self.reply("* BAD syntax")
                continue
            tag, uid, verb, rest = match[1].decode(), match[2], match[3].upper(), match[4]
            box.commands.append(f"{'UID ' if uid else ''}{verb.decode()}")
            if verb == b"CAPABILITY":
                self.reply("* CAPABILITY IMAP4rev1")
                self.reply(f"{tag} OK CAPABILITY completed")
            elif verb == b"LOGIN":
                logged_in = _args(rest) == [box.user, box.password]
                self.reply(f"{tag} {'OK' if logged_in else 'NO [AUTHENTICATIONFAILED]'} LOGIN")
            elif not logged_in:
                self.reply(f"{tag} BAD log in first")
            elif verb == b"EXAMINE":
                if _args(rest) != [box.folder]:
                    self.reply(f"{tag} NO [NONEXISTENT] no such folder")
                    continue
                self.reply(f"* {len(box.messages)} EXISTS")
                self.reply(f"{tag} OK [READ-ONLY] EXAMINE completed")
            elif uid and verb == b"SEARCH":
                numbers = " ".join(str(n) for n in range(1, len(box.messages) + 1))
                self.reply(f"* SEARCH {numbers}".rstrip())
                self.reply(f"{tag} OK SEARCH completed")
            elif uid and verb == b"FETCH":
                number = int(rest.split()[0])
                data = box.messages[number - 1]
                self.reply(f"* {number} FETCH (UID {number} BODY[] {{{len(data)}}}".encode())
                self.wfile.write(data + b")\r\n")
                self.reply(f"{tag} OK FETCH completed")
            elif verb == b"LOGOUT":
                self.reply("* BYE")
                self.reply(f"{tag} OK LOGOUT completed")
                return
            else:
                self.reply(f"{tag} BAD not supported here")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, box: Mailbox) -> None:
        super().__init__(("127.0.0.1", 0), _Session)
        self.box = box


@contextmanager
def imap_server(box: Mailbox) -> Iterator[int]:
    """Serve `box` on 127.0.0.1; yields the port."""
    server = _Server(box)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
