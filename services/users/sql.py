"""Small SQL helpers shared by the stores of the users service."""

from __future__ import annotations


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards taken literally (use with `escape="\\\\"`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
