"""Local stand-ins for the providers (Bot API, SMTP relay with STARTTLS, Eskiz): real servers
speaking the providers' wire protocols on 127.0.0.1, so our real clients are exercised."""

from __future__ import annotations

import contextlib
import shutil
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import nats
import pytest
from nats.js.errors import NotFoundError
from pydantic import SecretStr

from mesh.pki import IdentityFiles, issue_identity
from mesh.topology import load_topology
from services.kit.streams import ensure_streams
from services.notifications.channels import (
    Channel,
    ChannelKind,
    EmailChannel,
    EskizSmsChannel,
    TelegramChannel,
)
from services.notifications.channels.telegram import telegram_pacer
from services.notifications.settings import DeliverySettings
from tests.support.db import fresh_database
from tests.support.sms_gateway import LocalEskiz, running_sms_gateway
from tests.support.smtp_server import LocalSmtpServer, running_smtp_server, server_tls_context
from tests.support.stack import Stack, mesh_behind_envoy
from tests.support.telegram_api import LocalBotApi, running_bot_api

SMTP_USER = "ukm-notifications"
SMTP_PASSWORD = "smtp-relay-password-not-for-logs"


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


@dataclass
class Providers:
    """The three providers' stand-ins, shared by a module's tests."""

    bot: LocalBotApi
    smtp: LocalSmtpServer
    sms: LocalEskiz
    tls: ssl.SSLContext

    def reset(self) -> None:
        """Forget what earlier tests sent and stop failing on purpose."""
        self.bot.calls.clear()
        self.bot._planned.clear()
        self.bot._chat_failures.clear()
        self.smtp.received.clear()
        self.smtp._refused.clear()
        self.smtp._data_failures.clear()
        self.sms.calls.clear()
        self.sms.sent.clear()
        self.sms.balance = 1000

    def channels(self) -> dict[ChannelKind, Channel]:
        """Our real channels pointed at the stand-ins (pacing loose enough for tests)."""
        return {
            ChannelKind.TELEGRAM: TelegramChannel(
                SecretStr(self.bot.token),
                api_base=self.bot.base_url,
                pacer=telegram_pacer(1000.0, 1000.0),
                timeout=2.0,
            ),
            ChannelKind.EMAIL: EmailChannel(
                host=self.smtp.host,
                port=self.smtp.port,
                sender="UKM <noreply@ukm.example.uz>",
                username=SMTP_USER,
                password=SecretStr(SMTP_PASSWORD),
                tls_context=self.tls,
                timeout=5.0,
            ),
            ChannelKind.SMS: EskizSmsChannel(
                login=self.sms.email,
                api_key=SecretStr(self.sms.secret_key),
                sender="4546",
                base_url=self.sms.base_url,
                timeout=2.0,
            ),
        }


# Retries in tens of milliseconds, pickup within a fifth of a second, contacts read fresh.
FAST = DeliverySettings(
    backoff_base_seconds=0.05,
    backoff_cap_seconds=0.2,
    poll_seconds=0.2,
    lease_seconds=3.0,
    contacts_ttl_seconds=0.0,
    role_holders_ttl_seconds=0.0,
    reset_url="https://app.ukm.example.uz/reset-password#token={token}",
    max_attempts=4,
    # Small enough that a test can see the limit hold messages back, and let them go.
    recipient_limit=10,
    recipient_window_seconds=3.0,
)


@pytest.fixture(scope="module")
async def providers(relay_identity: IdentityFiles) -> AsyncIterator[Providers]:
    """The stand-ins for one module."""
    async with (
        running_bot_api() as bot,
        running_smtp_server(
            tls_context=server_tls_context(relay_identity),
            username=SMTP_USER,
            password=SMTP_PASSWORD,
        ) as smtp,
        running_sms_gateway() as sms,
    ):
        yield Providers(bot, smtp, sms, ssl.create_default_context(cafile=str(relay_identity.ca)))


@pytest.fixture(scope="module")
async def module_database(postgres_server_url: str) -> AsyncIterator[str]:
    """A database for one module's stack."""
    async with fresh_database(postgres_server_url) as url:
        yield url


@pytest.fixture(scope="module")
async def module_nats(nats_server_url: str) -> str:
    """The session's NATS with fresh streams for one module's stack."""
    client = await nats.connect(nats_server_url)
    js = client.jetstream()
    try:
        for stream in await js.streams_info():
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(stream.config.name)
        await ensure_streams(js, load_topology())
    finally:
        await client.close()
    return nats_server_url


@pytest.fixture(scope="module")
async def notify_stack(
    module_database: str,
    module_nats: str,
    redis_url: str,
    pki_dir: Path,
    providers: Providers,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    """The whole mesh behind Envoy, the notifications service talking to the stand-ins."""
    options = {"notifications": {"channels": providers.channels(), "delivery_settings": FAST}}
    async with mesh_behind_envoy(
        module_database,
        module_nats,
        pki_dir,
        tmp_path_factory.mktemp("notify-stack"),
        redis_url=redis_url,
        options=options,
    ) as stack:
        yield stack


@pytest.fixture
def outside(providers: Providers) -> Providers:
    """The stand-ins, with nothing recorded yet."""
    providers.reset()
    return providers
