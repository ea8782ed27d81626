"""Stable fingerprints of protobuf messages (idempotency checks, page-token filters)."""

from __future__ import annotations

import hashlib

from google.protobuf.message import Message


def message_fingerprint(message: Message, *, exclude: tuple[str, ...] = ()) -> str:
    """A short hash of `message` without the fields named in `exclude`."""
    copy = type(message)()
    copy.CopyFrom(message)
    for name in exclude:
        copy.ClearField(name)
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()[:32]
