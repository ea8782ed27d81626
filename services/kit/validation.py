"""Input validation from the contracts' protovalidate (`buf.validate`) rules.

Every violation is reported at once, as `InvalidArgument` with one field violation each, so a
caller can fix everything in one go.
"""

from __future__ import annotations

import protovalidate
from google.protobuf.message import Message

from services.kit.errors import FieldViolation, InvalidArgument


class Validator:
    """Checks messages against their rules; compiled rules are cached per message type."""

    def __init__(self) -> None:
        self._validator = protovalidate.Validator()

    def check(self, message: Message) -> None:
        """Raise `InvalidArgument` listing every violation, or return quietly."""
        violations = self._validator.collect_violations(message)
        if not violations:
            return
        found = [FieldViolation(_field_path(v.proto.field), v.proto.message) for v in violations]
        summary = "; ".join(
            f"{v.field}: {v.description}" if v.field else v.description for v in found
        )
        raise InvalidArgument(f"invalid {message.DESCRIPTOR.name}: {summary}", found)


def _field_path(path: object) -> str:
    parts: list[str] = []
    for element in getattr(path, "elements", ()):
        part = element.field_name
        subscript = getattr(element, "subscript", None)
        if subscript is not None and getattr(subscript, "value", None) is not None:
            part += f"[{subscript.value}]"
        parts.append(part)
    return ".".join(parts)
