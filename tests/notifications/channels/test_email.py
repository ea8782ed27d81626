"""The e-mail channel against a real SMTP server over STARTTLS: what arrives, and each outcome."""

from __future__ import annotations

import socket
import ssl
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from mesh.pki import IdentityFiles
from services.notifications.channels import (
    EmailChannel,
    OutboundMessage,
    Permanent,
    Sent,
    Transient,
    Unreachable,
)
from services.notifications.channels.email_compose import message_id
from tests.notifications.conftest import SMTP_PASSWORD, SMTP_USER
from tests.support.smtp_server import LocalSmtpServer, running_smtp_server

RECIPIENT = "dilnoza.karimova@example.uz"
SENDER = "УК Чиланзар <noreply@ukm.example.uz>"
NOW = datetime(2025, 11, 25, 9, 30, tzinfo=UTC)


def channel_for(
    server: LocalSmtpServer,
    trust: ssl.SSLContext,
    password: str = SMTP_PASSWORD,
    timeout: float = 5.0,
) -> EmailChannel:
    """Our channel pointed at `server`, trusting `trust`."""
    return EmailChannel(
        host=server.host,
        port=server.port,
        sender=SENDER,
        username=SMTP_USER,
        password=SecretStr(password),
        tls_context=trust,
        timeout=timeout,
        clock=lambda: NOW,
    )


def message(**extra: Any) -> OutboundMessage:
    """A notification e-mail with plain and HTML parts, with `extra` fields changed."""
    base = OutboundMessage(
        address=RECIPIENT,
        text="Заявка №251125-007 выполнена. Оцените работу.",
        html="<p>Заявка <b>№251125-007</b> выполнена.</p>",
        subject="Заявка №251125-007: работа выполнена",
        idempotency_key="event-81:user-5:email",
    )
    return replace(base, **extra)


async def test_the_mail_arrives_over_starttls_with_both_parts_and_headers(
    smtp: LocalSmtpServer, client_tls: ssl.SSLContext
) -> None:
    outcome = await channel_for(smtp, client_tls).send(message())

    expected_id = message_id("event-81:user-5:email", "ukm.example.uz")
    assert outcome == Sent(expected_id)
    [mail] = smtp.received
    assert mail.over_tls
    assert mail.authenticated_as == SMTP_USER
    assert mail.mail_from == "noreply@ukm.example.uz"
    assert mail.rcpt_tos == (RECIPIENT,)
    received = mail.message
    assert received.get_content_type() == "multipart/alternative"
    plain, html = received.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert plain.get_content().strip() == "Заявка №251125-007 выполнена. Оцените работу."
    assert html.get_content_type() == "text/html"
    assert html.get_content().strip() == "<p>Заявка <b>№251125-007</b> выполнена.</p>"
    assert received["Subject"] == "Заявка №251125-007: работа выполнена"
    assert received["From"].addresses[0].display_name == "УК Чиланзар"
    assert received["To"] == RECIPIENT
    assert received["Date"].datetime == NOW
    assert received["Message-ID"] == expected_id
    assert received["Auto-Submitted"] == "auto-generated"
    # Non-ASCII headers travel encoded (the server saw only ASCII in them).
    assert b"=?utf-8?" in mail.raw.split(b"\r\n\r\n", 1)[0]


async def test_the_message_id_follows_the_idempotency_key(
    smtp: LocalSmtpServer, client_tls: ssl.SSLContext
) -> None:
    channel = channel_for(smtp, client_tls)
    await channel.send(message())
    await channel.send(message())
    await channel.send(message(idempotency_key="event-82:user-5:email"))
    ids = [mail.message["Message-ID"] for mail in smtp.received]
    assert ids[0] == ids[1] != ids[2]
    assert "event-81" not in ids[0]


async def test_without_html_the_mail_is_plain_text_and_the_subject_comes_from_it(
    smtp: LocalSmtpServer, client_tls: ssl.SSLContext
) -> None:
    await channel_for(smtp, client_tls).send(message(html=None, subject=None))
    received = smtp.received[0].message
    assert received.get_content_type() == "text/plain"
    assert received["Subject"] == "Заявка №251125-007 выполнена. Оцените работу."


async def test_an_unknown_mailbox_is_unreachable_and_its_address_stays_out_of_the_error(
    smtp: LocalSmtpServer, client_tls: ssl.SSLContext
) -> None:
    smtp.refuse_recipient(RECIPIENT, f"550 5.1.1 <{RECIPIENT}>: Recipient address rejected")
    outcome = await channel_for(smtp, client_tls).send(message())
    assert outcome == Unreachable("smtp recipient refused: 550 5.1.1")
    assert smtp.received == []


async def test_a_policy_refusal_of_the_recipient_is_permanent(
    smtp: LocalSmtpServer, client_tls: ssl.SSLContext
) -> None:
    smtp.refuse_recipient(RECIPIENT, "554 5.7.1 Relay access denied")
    outcome = await channel_for(smtp, client_tls).send(message())
    assert outcome == Permanent("smtp recipient refused: 554 5.7.1")


async def test_a_busy_mailbox_is_transient(
    smtp: LocalSmtpServer, client_tls: ssl.SSLContext
) -> None:
    smtp.refuse_recipient(RECIPIENT, "450 4.2.1 Mailbox busy, try later")
    outcome = await channel_for(smtp, client_tls).send(message())
    assert outcome == Transient("smtp recipient refused: 450 4.2.1")


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("451 4.3.0 Temporary local problem", Transient("smtp message refused: 451 4.3.0")),
        ("554 5.6.0 Message content rejected", Permanent("smtp message refused: 554 5.6.0")),
    ],
)
async def test_a_refused_message_body(
    smtp: LocalSmtpServer, client_tls: ssl.SSLContext, reply: str, expected: object
) -> None:
    smtp.fail_next_data(reply)
    assert await channel_for(smtp, client_tls).send(message()) == expected


async def test_a_wrong_password_is_permanent(
    smtp: LocalSmtpServer, client_tls: ssl.SSLContext
) -> None:
    outcome = await channel_for(smtp, client_tls, password="not-it").send(message())
    assert isinstance(outcome, Permanent)
    assert outcome.error.startswith("smtp login refused: 535")


async def test_a_server_without_starttls_gets_nothing_in_clear_text(
    client_tls: ssl.SSLContext,
) -> None:
    async with running_smtp_server(tls_context=None) as plain:
        channel = EmailChannel(
            host=plain.host, port=plain.port, sender=SENDER, tls_context=client_tls
        )
        outcome = await channel.send(message())
        assert isinstance(outcome, Permanent)
        assert "STARTTLS" in outcome.error
        assert plain.received == []


async def test_a_certificate_from_another_ca_is_refused(
    smtp: LocalSmtpServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from mesh.pki import issue_foreign_identity

    stranger: IdentityFiles = issue_foreign_identity(
        tmp_path_factory.mktemp("stranger"), "x", "spiffe://elsewhere/x"
    )
    wrong_trust = ssl.create_default_context(cafile=str(stranger.ca))
    outcome = await channel_for(smtp, wrong_trust).send(message())
    assert outcome == Permanent("smtp: the server's certificate is not trusted")
    assert smtp.received == []


async def test_no_server_is_transient(client_tls: ssl.SSLContext) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    channel = EmailChannel(host="127.0.0.1", port=port, sender=SENDER, tls_context=client_tls)
    outcome = await channel.send(message())
    assert isinstance(outcome, Transient)
    assert not outcome.maybe_delivered


@pytest.mark.parametrize("address", ["no-at-sign", "Ivan <ivan@example.uz>", "a@b@c", "a b@c.uz"])
async def test_an_address_that_is_no_mailbox_is_permanent(
    smtp: LocalSmtpServer, client_tls: ssl.SSLContext, address: str
) -> None:
    outcome = await channel_for(smtp, client_tls).send(message(address=address))
    assert outcome == Permanent("smtp: the address is not an e-mail address")
    assert smtp.connections == 0


def test_starttls_off_with_a_password_is_refused_by_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic import ValidationError

    from services.notifications.channels import ChannelSettings

    monkeypatch.setenv("UKM_SMTP_STARTTLS", "false")
    monkeypatch.setenv("UKM_SMTP_USERNAME", "u")
    monkeypatch.setenv("UKM_SMTP_PASSWORD", "p")
    with pytest.raises(ValidationError, match="STARTTLS"):
        ChannelSettings()
