"""Local stand-ins for the providers (Bot API, SMTP relay with STARTTLS, Eskiz), a monotonic
clock tests move by hand, and a `sleep` that moves it instead of waiting."""

from __future__ import annotations

import shutil
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mesh.pki import IdentityFiles, issue_identity
from tests.support.sms_gateway import LocalEskiz, running_sms_gateway
from tests.support.smtp_server import LocalSmtpServer, running_smtp_server, server_tls_context
from tests.support.telegram_api import LocalBotApi, running_bot_api

SMTP_USER = "ukm-notifications"
SMTP_PASSWORD = "smtp-relay-password-not-for-logs"


class FakeMonotonic:
    """A monotonic clock that moves only when told; `sleep` moves it and remembers the waits."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock on."""
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Stand-in for `asyncio.sleep`: no waiting, the clock jumps."""
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeMonotonic:
    """A fresh fake monotonic clock."""
    return FakeMonotonic()


@pytest.fixture(scope="session")
def relay_identity(pki_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> IdentityFiles:
    """A server certificate from the mesh CA for the SMTP relay, issued in a folder of its own
    (a copy of the CA) so the session's mesh PKI folder is left as the mesh tests expect it."""
    folder = tmp_path_factory.mktemp("relay-pki")
    for name in ("ca.crt", "ca.key"):
        shutil.copy(pki_dir / name, folder / name)
    return issue_identity(folder, "smtp-relay", "spiffe://ukm.local/test/smtp-relay")


@pytest.fixture
def client_tls(relay_identity: IdentityFiles) -> ssl.SSLContext:
    """What our e-mail channel trusts: the mesh CA only."""
    return ssl.create_default_context(cafile=str(relay_identity.ca))


@pytest.fixture
async def smtp(relay_identity: IdentityFiles) -> AsyncIterator[LocalSmtpServer]:
    """An SMTP relay requiring STARTTLS, then AUTH."""
    async with running_smtp_server(
        tls_context=server_tls_context(relay_identity),
        username=SMTP_USER,
        password=SMTP_PASSWORD,
    ) as server:
        yield server


@pytest.fixture
async def bot_api() -> AsyncIterator[LocalBotApi]:
    """A Bot API server over plain HTTP."""
    async with running_bot_api() as server:
        yield server


@pytest.fixture
async def eskiz() -> AsyncIterator[LocalEskiz]:
    """An Eskiz gateway."""
    async with running_sms_gateway() as gateway:
        yield gateway
