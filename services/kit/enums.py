"""Protobuf enums ↔ the short lowercase keys stored in databases and shown in logs.

`REQUEST_STATUS_IN_PROGRESS` ↔ `in_progress`: the database stays readable and independent of
enum numbers, and the mapping is derived, never hand-written.
"""

from __future__ import annotations

from google.protobuf.descriptor import EnumDescriptor


class EnumKeys:
    """Two-way mapping for one proto enum, skipping its `*_UNSPECIFIED` zero value."""

    def __init__(self, descriptor: EnumDescriptor) -> None:
        prefix = _prefix(descriptor)
        self.by_number = {
            v.number: v.name.removeprefix(prefix).lower() for v in descriptor.values if v.number
        }
        self.by_key = {key: number for number, key in self.by_number.items()}

    def key(self, number: int) -> str:
        """`in_progress` for the number of `REQUEST_STATUS_IN_PROGRESS`."""
        return self.by_number[number]

    def number(self, key: str) -> int:
        """The enum number of a stored key."""
        return self.by_key[key]


def _prefix(descriptor: EnumDescriptor) -> str:
    zero = descriptor.values_by_number[0].name
    return zero.removesuffix("UNSPECIFIED")
