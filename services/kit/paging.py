"""Opaque page tokens for keyset paging.

A token carries the sort key of the last item returned plus a fingerprint of the filters, so a
client that changes filters mid-way gets a clear error instead of a wrong page. Keyset paging
(not offsets) keeps pages stable while new rows are inserted.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from google.protobuf.message import Message

from services.kit.errors import InvalidArgument
from services.kit.hashing import message_fingerprint

DEFAULT_PAGE_SIZE = 20


def page_size(requested: int, default: int = DEFAULT_PAGE_SIZE) -> int:
    """The page size to use (0 means the default; validation already capped the maximum)."""
    return requested or default


def filters_fingerprint(request: Message) -> str:
    """A short hash of a list request's filters (everything but the paging fields)."""
    return message_fingerprint(request, exclude=("page_size", "page_token"))[:16]


def encode_token(position: list[Any], fingerprint: str) -> str:
    """A URL-safe token for the page after `position`."""
    raw = json.dumps({"p": position, "f": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, fingerprint: str) -> list[Any] | None:
    """The position inside `token` (None for an empty token); bad or foreign tokens are refused."""
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position, token_fingerprint = data["p"], data["f"]
        if not isinstance(position, list):
            raise ValueError("position is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument.field("page_token", "is not a token this service issued") from exc
    if token_fingerprint != fingerprint:
        raise InvalidArgument.field(
            "page_token", "belongs to a listing with different filters; start again without it"
        )
    return position
