"""A real SMTP server for tests (aiosmtpd), with STARTTLS and AUTH, receiving into memory.

It runs in the test's own event loop on a port the kernel picks. STARTTLS is offered and
required before anything else when a TLS context is given (a certificate from the mesh CA,
`server_tls_context`); AUTH is required (over TLS only) when credentials are given. Every
accepted message is kept in `server.received` with its envelope, its raw bytes, and whether it
came over TLS and by whom it was authenticated.

Knobs: `refuse_recipient(address, reply)` answers RCPT for one address with the given reply
(`"550 5.1.1 ..."`, `"450 4.2.1 ..."`), `fail_next_data(reply)` refuses the next DATA.

aiosmtpd logs sessions, addresses and AUTH lines on the `mail.log` logger: that is the
provider's log, not ours; tests about our logs leave it out.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from mesh.pki import IdentityFiles

SERVER_NAME = "smtp.ukm.test"


@dataclass(frozen=True)
class ReceivedMail:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    over_tls: bool
    authenticated_as: str | None

    @property
    def message(self) -> EmailMessage:
        """The parsed message (modern policy: decoded headers, `get_body`, `iter_parts`)."""
        parsed = message_from_bytes(self.raw, policy=default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class LocalSmtpServer:
    """The server's state; tests read `received` and turn the knobs."""

    username: str | None = None
    password: str | None = None
    host: str = "127.0.0.1"
    port: int = 0  # known once the server listens
    received: list[ReceivedMail] = field(default_factory=list)
    connections: int = 0
    _refused: dict[str, str] = field(default_factory=dict)
    _data_failures: list[str] = field(default_factory=list)

    def refuse_recipient(self, address: str, reply: str) -> None:
        """Answer `RCPT TO:<address>` with `reply` (a code and text) from now on."""
        self._refused[address.lower()] = reply

    def fail_next_data(self, reply: str) -> None:
        """Answer the next `DATA` with `reply` instead of accepting the message."""
        self._data_failures.append(reply)

    # aiosmtpd handler hooks (called by the protocol with these names and arguments).

    async def handle_EHLO(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: Any
    ) -> Any:
        """Count sessions: a session is one EHLO on a new connection (before STARTTLS)."""
        if session.ssl is None:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        """Refuse the addresses a test named; accept the rest."""
        if (reply := self._refused.get(address.lower())) is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        """Keep the message, unless a test asked for this DATA to fail."""
        if self._data_failures:
            return self._data_failures.pop(0)
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        content = envelope.original_content or b""
        self.received.append(
            ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                raw=content,
                over_tls=session.ssl is not None,
                authenticated_as=login.decode() if isinstance(login, bytes) else None,
            )
        )
        return "250 2.0.0 OK: queued"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        """Accept exactly the configured login and password."""
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.username is not None
            and self.password is not None
            and auth_data.login == self.username.encode()
            and auth_data.password == self.password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def server_tls_context(identity: IdentityFiles) -> ssl.SSLContext:
    """A server-side TLS context presenting `identity` (a leaf of the mesh CA)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(identity.cert), str(identity.key))
    return context


@asynccontextmanager
async def running_smtp_server(
    *,
    tls_context: ssl.SSLContext | None,
    username: str | None = None,
    password: str | None = None,
) -> AsyncIterator[LocalSmtpServer]:
    """Serve SMTP on a free port of 127.0.0.1; STARTTLS required when `tls_context` is given."""
    state = LocalSmtpServer(username=username, password=password)
    loop = asyncio.get_running_loop()
    wants_auth = username is not None

    def protocol() -> SMTP:
        return SMTP(
            state,
            hostname=SERVER_NAME,
            tls_context=tls_context,
            require_starttls=tls_context is not None,
            authenticator=state.authenticate if wants_auth else None,
            auth_required=wants_auth,
            auth_require_tls=True,
            loop=loop,
        )

    server = await loop.create_server(protocol, state.host, 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()
