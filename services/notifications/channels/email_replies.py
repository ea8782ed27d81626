"""What an SMTP failure means for delivery (pure: no I/O).

Reply codes decide (RFC 5321 4.2.1): 4xx is a temporary refusal → `Transient`, 5xx a permanent
one → `Permanent`. Where the server adds an enhanced status code (RFC 3463) saying the mailbox
itself does not exist or is disabled (5.1.1, 5.1.10, 5.2.1), the address is dead → `Unreachable`.
Connection troubles and timeouts are `Transient`; a server without STARTTLS, or one whose
certificate we do not trust, is `Permanent` (we never fall back to clear text).

Server replies often quote the recipient's address (`550 5.1.1 <ivan@example.uz>: Recipient
address rejected`), so only the reply code and the enhanced status code are kept in the error.
"""

from __future__ import annotations

import re
import ssl

import aiosmtplib

from services.notifications.channels.base import Outcome, Permanent, Transient, Unreachable

_ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# Bad destination mailbox (5.1.1), no such address at a null-MX domain (5.1.10), disabled (5.2.1).
_DEAD_MAILBOX = frozenset({"5.1.1", "5.1.10", "5.2.1"})


def outcome_of_smtp_error(error: Exception) -> Outcome:
    """The outcome of a send that raised `error`."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        return _refusal("recipient refused", error.recipients[0])
    if isinstance(error, aiosmtplib.SMTPRecipientRefused):
        return _refusal("recipient refused", error)
    if isinstance(error, aiosmtplib.SMTPSenderRefused):
        return _refusal("sender refused", error)
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        return _refusal("login refused", error)
    if isinstance(error, aiosmtplib.SMTPDataError):
        return _refusal("message refused", error)
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return Permanent("smtp: the server does not support what the message needs")
    if isinstance(error, ssl.SSLCertVerificationError) or isinstance(
        error.__cause__, ssl.SSLCertVerificationError
    ):
        return Permanent("smtp: the server's certificate is not trusted")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return _refusal("refused", error)
    if isinstance(error, aiosmtplib.SMTPReadTimeoutError):
        # Timed out waiting for the answer to DATA perhaps: the relay may have taken it.
        return Transient("smtp: timed out waiting for the server", maybe_delivered=True)
    if isinstance(error, aiosmtplib.SMTPException | OSError | TimeoutError):
        return Transient(f"smtp: {type(error).__name__}")
    raise error


def _refusal(stage: str, error: aiosmtplib.SMTPResponseException) -> Outcome:
    enhanced = _enhanced_code(error.message)
    text = f"smtp {stage}: {error.code}" + (f" {enhanced}" if enhanced else "")
    if 400 <= error.code < 500:
        return Transient(text)
    if enhanced in _DEAD_MAILBOX and stage == "recipient refused":
        return Unreachable(text)
    return Permanent(text)


def _enhanced_code(reply: str) -> str | None:
    match = _ENHANCED.search(reply)
    return ".".join(match.groups()) if match else None
