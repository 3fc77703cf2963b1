"""SMTP transport on aiosmtplib: pooled connections, STARTTLS or implicit TLS, auth.

The outcome of a send is classified by how far the SMTP dialogue got: anything refused or
broken before DATA certainly did not deliver (retry or fail by reply code); a connection lost
during DATA may have delivered, so it is reported as unknown and never blindly re-sent. A 4xx
reply to a message is a temporary rejection (greylisting), retried; a permanent refusal of the
recipient's address at RCPT or DATA (5.1.x, 5.2.1) is a hard bounce.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import aiosmtplib

from campaigns.channels.protocol import Outcome, Rendered, Result, check_cancelled
from kernel.errors import ValidationFailed
from kernel.logs import get_logger

log = get_logger(__name__)

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None
    timeout: float


def parse_url(url: str, *, timeout: float = 30.0) -> SmtpConfig:
    """smtp://user:pass@host:587 (STARTTLS when offered) or smtps://… (TLS from the start)."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValidationFailed("CRM_SMTP_URL must look like smtp://user:pass@host:587 or smtps://…")
    return SmtpConfig(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        use_tls=parts.scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        timeout=timeout,
    )


# RFC 3463 enhanced status codes that refuse the address (5.1.x, but 5.1.7/5.1.8 are about
# the sender) or say the mailbox is disabled (5.2.1). Policy refusals (5.7.x, spam blocks) are
# not bounces, nor is a bare 550: servers give it for policy as often as for unknown users.
_BAD_ADDRESS = re.compile(r"^5\.(1\.(?![78]\b)\d{1,3}|2\.1)(\s|$)")


def _by_code(code: int, text: str, *, recipient: bool) -> Result:
    """What a refusal means; `recipient`: it answered RCPT or DATA (not the sender's MAIL)."""
    detail = f"{code} {text}"[:300]
    if 400 <= code < 500:
        # 421: the server is closing the connection, its trouble rather than this message's.
        return Result(Outcome.RETRY, detail, deferred=code != 421)
    bounce = recipient and _BAD_ADDRESS.match(text.strip()) is not None
    return Result(Outcome.FAILED, detail, bounce=bounce)


class SmtpSender:
    idempotent = False

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self._idle: list[aiosmtplib.SMTP] = []

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 30.0) -> SmtpSender:
        return cls(parse_url(url, timeout=timeout))

    async def _connect(self) -> aiosmtplib.SMTP:
        c = self.config
        smtp = aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            use_tls=c.use_tls,
            # None: STARTTLS when the server offers it (required for auth on port 587).
            start_tls=False if c.use_tls else None,
            timeout=c.timeout,
        )
        await smtp.connect()
        if c.username:
            await smtp.login(c.username, c.password or "")
        return smtp

    async def send(self, message: Rendered) -> Result:
        assert message.sender and message.recipient
        try:
            smtp = self._idle.pop() if self._idle else await self._connect()
        except aiosmtplib.SMTPAuthenticationError as exc:
            return Result(Outcome.RETRY, f"SMTP login refused: {exc.code} {exc.message}"[:300])
        except (aiosmtplib.SMTPException, OSError) as exc:
            return Result(Outcome.RETRY, f"cannot connect to SMTP server: {exc}"[:300])
        # aiosmtplib waits for each reply with asyncio.wait_for, which on Python 3.11 can drop a
        # cancellation and keep waiting (up to the timeout) for a reply that may never come.
        # The transaction runs as its own task so this one always notices a cancellation;
        # closing the connection then ends the transaction, whatever reply it waits for.
        transaction = asyncio.ensure_future(self._transact(smtp, message))
        transaction.add_done_callback(_retrieve)
        try:
            await asyncio.wait([transaction])
            result = transaction.result()
        except BaseException:
            smtp.close()
            transaction.cancel()
            raise
        if result.outcome in (Outcome.SENT, Outcome.FAILED, Outcome.RETRY) and smtp.is_connected:
            self._idle.append(smtp)
        else:
            smtp.close()
        return result

    async def _transact(self, smtp: aiosmtplib.SMTP, message: Rendered) -> Result:
        assert message.sender and message.recipient
        recipient = False
        try:
            check_cancelled()
            await smtp.mail(message.sender)
            recipient = True
            check_cancelled()
            await smtp.rcpt(message.recipient)
            check_cancelled()
        except aiosmtplib.SMTPResponseException as exc:
            await _reset(smtp)
            return _by_code(exc.code, exc.message, recipient=recipient)
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Nothing was handed over yet: safe to try again on a new connection.
            smtp.close()
            return Result(Outcome.RETRY, f"SMTP connection lost before DATA: {exc}"[:300])
        try:
            await smtp.data(message.body)
        except aiosmtplib.SMTPResponseException as exc:
            await _reset(smtp)
            return _by_code(exc.code, exc.message, recipient=True)
        except (aiosmtplib.SMTPException, OSError) as exc:
            smtp.close()
            return Result(Outcome.UNKNOWN, f"SMTP connection lost during DATA: {exc}"[:300])
        return Result(Outcome.SENT)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for smtp in idle:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()


async def _reset(smtp: aiosmtplib.SMTP) -> None:
    """RSET after a refusal so the connection can carry the next message."""
    try:
        await smtp.rset()
    except (aiosmtplib.SMTPException, OSError):
        smtp.close()


def _retrieve(task: asyncio.Future[Result]) -> None:
    """Read the outcome of a transaction abandoned by a cancelled send (asyncio warns of an
    exception nobody read)."""
    if not task.cancelled():
        task.exception()
