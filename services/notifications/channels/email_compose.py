"""Building the e-mail for an `OutboundMessage` (pure: no I/O).

A message with an HTML body becomes multipart/alternative (plain text first, HTML last: mail
readers show the last part they understand); without one it is plain text. Headers are the ones
a receiving server and a mail reader expect, in UTF-8 where needed (the stdlib's SMTP policy
encodes them). The Message-ID is derived from the idempotency key, so a retried send carries the
same id and mail systems that de-duplicate by it show the message once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from services.notifications.channels.base import OutboundMessage

# RFC 5322 recommends subject lines under 78 characters.
_SUBJECT_FALLBACK_LENGTH = 78


class AddressError(ValueError):
    """An address that is not a plain `local@domain` mailbox."""


def compose(message: OutboundMessage, sender: str, now: datetime) -> EmailMessage:
    """The e-mail carrying `message` from `sender` ("Name <address>" or a bare address)."""
    recipient = mailbox(message.address)
    from_address = mailbox_with_name(sender)
    mail = EmailMessage(policy=SMTP)
    mail["From"] = from_address
    mail["To"] = recipient
    mail["Subject"] = message.subject or _subject_from(message.text)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = message_id(message.idempotency_key, from_address.domain)
    # RFC 3834: tells vacation responders and the like not to answer a machine.
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text, subtype="plain", charset="utf-8")
    if message.html is not None:
        mail.add_alternative(message.html, subtype="html", charset="utf-8")
    return mail


def message_id(idempotency_key: str, domain: str) -> str:
    """`<digest@domain>`: stable for a key, and revealing nothing of it."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def mailbox(text: str) -> Address:
    """A bare `local@domain` address, refused when it has a display name, spaces or no domain."""
    local, at, domain = text.partition("@")
    if not at or not local or not domain or "@" in domain or any(c.isspace() for c in text):
        raise AddressError("not an e-mail address")
    if any(c in text for c in '<>,;"()[]\\'):
        raise AddressError("not an e-mail address")
    return Address(username=local, domain=domain)


def mailbox_with_name(text: str) -> Address:
    """A sender as configured: `Name <local@domain>` or a bare address."""
    name, address = parseaddr(text)
    bare = mailbox(address)
    return Address(display_name=name, username=bare.username, domain=bare.domain)


def _subject_from(text: str) -> str:
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    if len(first_line) <= _SUBJECT_FALLBACK_LENGTH:
        return first_line
    return first_line[: _SUBJECT_FALLBACK_LENGTH - 1] + "…"
