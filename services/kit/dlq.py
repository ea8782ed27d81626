"""Dead letters: events a consumer gave up on, kept in `UKM_DLQ` under `ukm.dlq.<consumer>` with
the original payload and headers plus what went wrong, until someone replays them.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from services.kit.envelope import InvalidEnvelopeError, decode_envelope
from services.kit.streams import DLQ_STREAM, dlq_subject

__all__ = [
    "HEADER_CONSUMER",
    "HEADER_DELIVERIES",
    "HEADER_ERROR",
    "HEADER_ORIGINAL_SEQ",
    "HEADER_ORIGINAL_STREAM",
    "HEADER_ORIGINAL_SUBJECT",
    "DeadLetter",
    "dead_letter",
    "describe_error",
    "iter_dead_letters",
    "list_dead_letters",
    "replay_dlq",
]

log = logging.getLogger(__name__)

HEADER_ORIGINAL_SUBJECT = "Ukm-Original-Subject"
HEADER_ORIGINAL_STREAM = "Ukm-Original-Stream"
HEADER_ORIGINAL_SEQ = "Ukm-Original-Seq"
HEADER_CONSUMER = "Ukm-Consumer"
HEADER_ERROR = "Ukm-Error"
HEADER_DELIVERIES = "Ukm-Deliveries"
_DLQ_HEADERS = frozenset(
    {
        HEADER_ORIGINAL_SUBJECT,
        HEADER_ORIGINAL_STREAM,
        HEADER_ORIGINAL_SEQ,
        HEADER_CONSUMER,
        HEADER_ERROR,
        HEADER_DELIVERIES,
    }
)
_MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class DeadLetter:
    """One message in `UKM_DLQ` as an operator (or `replay_dlq`) sees it."""

    seq: int  # its sequence in UKM_DLQ
    consumer: str
    original_subject: str
    event_id: str | None  # None for poison (not an Envelope)
    error: str
    deliveries: int
    headers: dict[str, str]
    data: bytes


def describe_error(error: BaseException | str) -> str:
    """`Type: message`, on one line and short enough for a NATS header."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= _MAX_ERROR_CHARS else text[: _MAX_ERROR_CHARS - 1] + "…"


async def dead_letter(
    js: JetStreamContext,
    msg: Msg,
    *,
    consumer: str,
    error: BaseException | str,
    event_id: str | None,
) -> None:
    """Publish `msg` (a JetStream delivery to `consumer`) to the dead-letter stream.

    The `Nats-Msg-Id` is `<consumer>:<event id>:<stream seq>`: a crash between this publish and
    the `term` of the original leads to a redelivery whose second dead letter the broker drops;
    the stream sequence keeps a *replayed* copy that fails again from being mistaken for that
    duplicate (it is a new stream message).
    """
    meta = msg.metadata
    headers = {k: v for k, v in (msg.headers or {}).items() if not k.startswith("Nats-")}
    headers.update(
        {
            HEADER_ORIGINAL_SUBJECT: msg.subject,
            HEADER_ORIGINAL_STREAM: meta.stream,
            HEADER_ORIGINAL_SEQ: str(meta.sequence.stream),
            HEADER_CONSUMER: consumer,
            HEADER_ERROR: describe_error(error),
            HEADER_DELIVERIES: str(meta.num_delivered),
            "Nats-Msg-Id": f"{consumer}:{event_id or 'poison'}:{meta.sequence.stream}",
        }
    )
    await js.publish(dlq_subject(consumer), msg.data, headers=headers, stream=DLQ_STREAM)


async def iter_dead_letters(
    js: JetStreamContext, consumer: str, *, up_to: int | None = None
) -> AsyncIterator[DeadLetter]:
    """The dead letters of `consumer`, oldest first, read one at a time (up to DLQ seq
    `up_to`)."""
    seq = 1
    while up_to is None or seq <= up_to:
        try:
            raw = await js.get_msg(DLQ_STREAM, seq=seq, subject=dlq_subject(consumer), next=True)
        except NotFoundError:
            return
        assert raw.seq is not None
        if up_to is not None and raw.seq > up_to:
            return
        headers = dict(raw.headers or {})
        data = raw.data or b""
        try:
            event_id: str | None = decode_envelope(data).id
        except InvalidEnvelopeError:
            event_id = None
        yield DeadLetter(
            seq=raw.seq,
            consumer=consumer,
            original_subject=headers.get(HEADER_ORIGINAL_SUBJECT, ""),
            event_id=event_id,
            error=headers.get(HEADER_ERROR, ""),
            deliveries=int(headers.get(HEADER_DELIVERIES, "0")),
            headers=headers,
            data=data,
        )
        seq = raw.seq + 1


async def list_dead_letters(
    js: JetStreamContext, consumer: str, *, limit: int | None = None
) -> list[DeadLetter]:
    """The dead letters of `consumer`, oldest first (at most `limit`)."""
    letters: list[DeadLetter] = []
    async for letter in iter_dead_letters(js, consumer):
        if limit is not None and len(letters) >= limit:
            break
        letters.append(letter)
    return letters


async def replay_dlq(nc: NatsClient, *, consumer: str, limit: int | None = None) -> int:
    """Send `consumer`'s dead letters back to their original subjects; returns how many.

    Each goes out as a new stream message (`Nats-Msg-Id` = `replay:<dlq seq>:<event id>`):
    every other consumer of that subject already has the event id in its inbox and just acks,
    so only the consumer that failed acts on it. A replayed letter is then deleted from the
    DLQ; a crash in between leads to a republish that the broker drops as a duplicate. Poison
    (not an Envelope) stays in the DLQ: sending it back could only fail again.
    """
    js = nc.jetstream()
    # Letters that fail again while we replay land after this point; they wait for next time.
    last = (await js.stream_info(DLQ_STREAM)).state.last_seq
    replayed = 0
    async for letter in iter_dead_letters(js, consumer, up_to=last):
        if limit is not None and replayed >= limit:
            break
        if letter.event_id is None or not letter.original_subject:
            log.warning("dlq %s: seq %d is poison; left in place", consumer, letter.seq)
            continue
        headers = {
            k: v
            for k, v in letter.headers.items()
            if not k.startswith("Nats-") and k not in _DLQ_HEADERS
        }
        headers["Nats-Msg-Id"] = f"replay:{letter.seq}:{letter.event_id}"
        await js.publish(letter.original_subject, letter.data, headers=headers)
        await js.delete_msg(DLQ_STREAM, letter.seq)
        replayed += 1
    return replayed
