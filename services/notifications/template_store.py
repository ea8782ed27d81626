"""The templates in force: the shipped defaults overlaid with managers' edits (PostgreSQL).

Every replica reads the edits again at most `refresh_seconds` after they were made (and at once
after an edit of its own), so the worker never asks the database for templates per message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine

from services.kit.errors import InvalidArgument
from services.notifications import models
from services.notifications.templates import (
    LANGUAGES,
    Catalogue,
    Template,
    check_edit,
    default_catalogue,
)

_E = models.template_edits


@dataclass(frozen=True)
class Edit:
    """A manager's text for one template and language."""

    text: str
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class TemplateView:
    """A template as the API shows it: the texts in force and what was edited."""

    template: Template
    edits: dict[str, Edit]


class TemplateStore:
    """Edits of the shipped templates, and the catalogue they make."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        defaults: Catalogue | None = None,
        refresh_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.defaults = defaults or default_catalogue()
        self.refresh_seconds = refresh_seconds
        self._clock = clock
        self._cached: tuple[float, Catalogue, dict[tuple[str, str], Edit]] | None = None
        self._lock = asyncio.Lock()

    async def catalogue(self) -> Catalogue:
        """The catalogue in force."""
        return (await self._current())[0]

    async def view(self, key: str) -> TemplateView:
        """One template as in force, with its edits; InvalidArgument for an unknown key."""
        catalogue, edits = await self._current()
        template = catalogue.templates.get(key)
        if template is None:
            raise InvalidArgument.field("key", f"no template {key!r}")
        return TemplateView(template, {lang: e for (k, lang), e in edits.items() if k == key})

    async def views(self, prefix: str = "") -> list[TemplateView]:
        """Every template whose key starts with `prefix`, by key."""
        catalogue, edits = await self._current()
        return [
            TemplateView(t, {lang: e for (k, lang), e in edits.items() if k == key})
            for key, t in sorted(catalogue.templates.items())
            if key.startswith(prefix)
        ]

    async def update(self, key: str, language: str, text: str, *, by: str, now: datetime) -> None:
        """Replace `key`'s text in `language` (checked against the template's fields)."""
        check_edit(self.defaults, key, language, text)
        values = {"text": text, "updated_by": by, "updated_at": now}
        async with self.engine.begin() as conn:
            await conn.execute(
                postgresql.insert(_E)
                .values(key=key, language=language, **values)
                .on_conflict_do_update(index_elements=[_E.c.key, _E.c.language], set_=values)
            )
        self._cached = None

    async def reset(self, key: str, language: str | None) -> None:
        """Back to the shipped text in `language` (every language when None)."""
        if key not in self.defaults.templates:
            raise InvalidArgument.field("key", f"no template {key!r}")
        query = sa.delete(_E).where(_E.c.key == key)
        if language:
            query = query.where(_E.c.language == language)
        async with self.engine.begin() as conn:
            await conn.execute(query)
        self._cached = None

    async def _current(self) -> tuple[Catalogue, dict[tuple[str, str], Edit]]:
        cached = self._cached
        if cached is not None and cached[0] > self._clock():
            return cached[1], cached[2]
        async with self._lock:
            cached = self._cached
            if cached is not None and cached[0] > self._clock():
                return cached[1], cached[2]
            edits = await self._read_edits()
            catalogue = _overlay(self.defaults, edits)
            self._cached = (self._clock() + self.refresh_seconds, catalogue, edits)
            return catalogue, edits

    async def _read_edits(self) -> dict[tuple[str, str], Edit]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(sa.select(_E))
            return {
                (r.key, r.language): Edit(r.text, r.updated_by, r.updated_at)
                for r in rows
                if r.language in LANGUAGES
            }


def _overlay(defaults: Catalogue, edits: dict[tuple[str, str], Edit]) -> Catalogue:
    templates = dict(defaults.templates)
    for (key, language), edit in edits.items():
        base = templates.get(key)
        if base is None:
            continue  # a template the current build no longer ships: its edit is inert
        templates[key] = Template(key, base.fields, {**base.texts, language: edit.text})
    return Catalogue(templates, defaults.labels)
