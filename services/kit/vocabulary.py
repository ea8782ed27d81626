"""The business's fixed vocabulary (DOMAIN.md), written once for every service and the bot:
the executors' specialisations in their canonical order, the `universal` wildcard, and which
specialisation handles which request category. Keys are the lowercase enum keys the services
store (`plumber`, `plumbing`); the contracts' enums are the wire form of the same lists.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CATEGORY_SPECIALISATION", "SPECIALISATIONS", "UNIVERSAL"]

# Canonical order. `universal` is not among them: on a shift it means "covers everything", in
# an executor's own set "can do anything", and it is never a request's or a pool's own.
SPECIALISATIONS: tuple[str, ...] = (
    "electrician",
    "plumber",
    "heating",
    "ventilation",
    "elevator",
    "cleaning",
    "security",
    "landscaping",
    "repair",
)
UNIVERSAL = "universal"

# DOMAIN.md "Categories → specialisation".
CATEGORY_SPECIALISATION: Mapping[str, str] = {
    "electricity": "electrician",
    "plumbing": "plumber",
    "heating": "heating",
    "ventilation": "ventilation",
    "elevator": "elevator",
    "cleaning": "cleaning",
    "landscaping": "landscaping",
    "security": "security",
    "internet": "electrician",
    "repair": "repair",
    "other": "repair",
}
