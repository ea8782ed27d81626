"""Photos and videos people send, behind one interface the media service will take over.

Flows call `MediaStore.keep` with what Telegram sent and put the returned `StoredMedia`
(plain JSON, so it lives in the conversation's FSM data) into their draft; `to_ref` gives the
`ukm.common.v1.MediaRef` a request carries. Today the reference is the Telegram file id
(`TelegramFileIds`); a media-service store will upload the file and return its own id, and no
flow changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from aiogram.types import Message
from ukm.common.v1 import media_pb2

__all__ = [
    "Incoming",
    "MediaStore",
    "StoredMedia",
    "TelegramFileIds",
    "file_of",
    "incoming_of",
    "to_ref",
]

_KINDS = {
    "photo": media_pb2.MEDIA_KIND_PHOTO,
    "video": media_pb2.MEDIA_KIND_VIDEO,
    "document": media_pb2.MEDIA_KIND_DOCUMENT,
}


@dataclass(frozen=True)
class Incoming:
    """A photo or video as Telegram delivered it."""

    kind: str  # "photo", "video" or "document" (a file: verification documents)
    file_id: str
    file_unique_id: str
    size: int = 0


@dataclass(frozen=True)
class StoredMedia:
    """Where a kept piece of media is: a Telegram file id now, a media id later."""

    kind: str
    telegram_file_id: str = ""
    media_id: str = ""

    def dump(self) -> dict[str, str]:
        """For FSM data."""
        return {"kind": self.kind, "tg": self.telegram_file_id, "id": self.media_id}

    @classmethod
    def load(cls, data: dict[str, Any]) -> StoredMedia:
        """From FSM data."""
        return cls(str(data["kind"]), str(data.get("tg", "")), str(data.get("id", "")))


class MediaStore(Protocol):
    """Keeps what people send and says how to refer to it."""

    async def keep(self, item: Incoming) -> StoredMedia:
        """Take `item` in; the reference to put into requests."""
        ...


class TelegramFileIds:
    """Keeps nothing: Telegram already stores the file, its id is the reference."""

    async def keep(self, item: Incoming) -> StoredMedia:
        """The Telegram file id as the reference."""
        return StoredMedia(kind=item.kind, telegram_file_id=item.file_id)


def incoming_of(message: Message) -> Incoming | None:
    """The photo (largest size) or video of a message, or None."""
    if message.photo:
        best = message.photo[-1]
        return Incoming("photo", best.file_id, best.file_unique_id, best.file_size or 0)
    if message.video is not None:
        video = message.video
        return Incoming("video", video.file_id, video.file_unique_id, video.file_size or 0)
    return None


def file_of(message: Message) -> Incoming | None:
    """A document: the photo (largest size) or the file of a message, or None."""
    if message.photo:
        return incoming_of(message)
    if message.document is not None:
        file = message.document
        return Incoming("document", file.file_id, file.file_unique_id, file.file_size or 0)
    return None


def to_ref(stored: StoredMedia) -> media_pb2.MediaRef:
    """The contract's reference to a kept piece of media."""
    kind = _KINDS.get(stored.kind, media_pb2.MEDIA_KIND_PHOTO)
    if stored.media_id:
        return media_pb2.MediaRef(kind=kind, media_id=stored.media_id)
    return media_pb2.MediaRef(kind=kind, telegram_file_id=stored.telegram_file_id)
