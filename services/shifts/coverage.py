"""What a shift covers: specialisation rules of DOMAIN.md, with no I/O.

- A shift's *focus* is the list of specialisations the executor chose when going on duty; an
  empty focus is a universal shift. `universal` in the focus means the same thing, so it is
  normalised away: a universal shift covers everything *the executor* can do (a plumber on a
  universal shift is still not an electrician).
- The focus must be made of specialisations the executor holds, unless their own set contains
  `universal` ("can do anything").
- The *coverage* of a shift is what it effectively covers: the focus when there is one, else
  the executor's own set. It is computed once when the shift starts and stored, so "who covers
  plumbing now" is one indexed array overlap in SQL.
- Matching is ANY: a coverage matches a specialisation when it contains it or `universal`.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.kit.errors import FailedPrecondition
from services.kit.vocabulary import SPECIALISATIONS, UNIVERSAL

_ORDER = {key: index for index, key in enumerate((*SPECIALISATIONS, UNIVERSAL))}


def canonical(specialisations: Iterable[str]) -> tuple[str, ...]:
    """Unique keys in the canonical order (unknown keys are a programming error)."""
    return tuple(sorted(set(specialisations), key=_ORDER.__getitem__))


def focus_of(requested: Iterable[str]) -> tuple[str, ...]:
    """The focus to store for what an executor asked for: empty (universal) when they asked
    for nothing or for `universal`, else the canonical list."""
    wanted = canonical(requested)
    return () if UNIVERSAL in wanted else wanted


def require_held(focus: Iterable[str], held: Iterable[str]) -> None:
    """Refuse a focus with specialisations the executor does not hold.

    FailedPrecondition `SPECIALIZATION_NOT_HELD`, naming the missing ones in the metadata
    (the executor's skills are the users service's state, not a malformed input).
    """
    own = set(held)
    if UNIVERSAL in own:
        return
    missing = canonical(set(focus) - own)
    if missing:
        raise FailedPrecondition(
            "SPECIALIZATION_NOT_HELD",
            "you can go on duty only for specialisations you hold; not held: " + ", ".join(missing),
            {"specializations": ",".join(missing)},
        )


def coverage_of(focus: Iterable[str], held: Iterable[str]) -> tuple[str, ...]:
    """What a shift effectively covers: its focus, or (universal shift) the executor's own set,
    collapsed to `universal` alone when that set contains it."""
    chosen = canonical(focus) or canonical(held)
    return (UNIVERSAL,) if UNIVERSAL in chosen else chosen


def matching_keys(specialisation: str) -> tuple[str, ...]:
    """The coverage entries that satisfy a search for `specialisation` (itself or the wildcard);
    a coverage matches when it overlaps this tuple."""
    return canonical({specialisation, UNIVERSAL})


def covers(coverage: Iterable[str], specialisation: str) -> bool:
    """Whether a shift with `coverage` covers `specialisation` (the rule the SQL mirrors)."""
    return not set(coverage).isdisjoint(matching_keys(specialisation))
