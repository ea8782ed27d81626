"""Words for people in Russian, Uzbek (Latin) and English, Russian the default and the fallback:
per language, `bot/locales/<language>.yaml` (what every flow shares) and one file per flow in
`bot/locales/<language>/<flow>.yaml`, merged (a key defined twice is refused at load).

`t("key", name=value)` formats a message with `str.format` placeholders; values are
HTML-escaped first, because every message goes out with `parse_mode=HTML` and a name or a
description typed by a person must never become markup. The catalogue text itself may carry
the few tags Telegram understands (<b>, <i>, <code>…).
"""

from __future__ import annotations

import html
import string
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Catalogue", "Translator", "catalogue", "placeholders"]

LANGUAGES = ("ru", "uz", "en")
DEFAULT_LANGUAGE = "ru"
LOCALES = Path(__file__).with_name("locales")


class Catalogue:
    """Every message of every language, by dotted key (`onboarding.phone.ask`)."""

    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        self.messages = {language: dict(texts) for language, texts in messages.items()}

    @classmethod
    def load(cls, folder: Path = LOCALES) -> Catalogue:
        """The catalogue from `<folder>/<language>.yaml` and `<folder>/<language>/*.yaml` for
        every language."""
        messages = {}
        for language in LANGUAGES:
            files = [folder / f"{language}.yaml", *sorted((folder / language).glob("*.yaml"))]
            merged: dict[str, str] = {}
            for path in files:
                document = yaml.safe_load(path.read_text(encoding="utf-8"))
                for key, text in _flatten(document or {}):
                    if key in merged:
                        raise ValueError(f"{path}: message {key!r} is defined twice")
                    merged[key] = text
            messages[language] = merged
        return cls(messages)

    def text(self, language: str, key: str) -> str:
        """The raw text of `key` in `language`, else Russian, else the key itself (a bug the
        catalogue test catches, but never a crash in front of a person)."""
        texts = self.messages.get(language) or self.messages[DEFAULT_LANGUAGE]
        found = texts.get(key)
        if found is None:
            found = self.messages[DEFAULT_LANGUAGE].get(key, key)
        return found

    def has(self, key: str) -> bool:
        """Whether the default language has `key` (every language has what it has: tested)."""
        return key in self.messages[DEFAULT_LANGUAGE]

    def translator(self, language: str) -> Translator:
        """`t` for one language (unknown languages speak Russian)."""
        return Translator(self, language if language in LANGUAGES else DEFAULT_LANGUAGE)


class Translator:
    """Formats catalogue messages in one language."""

    def __init__(self, catalogue: Catalogue, language: str) -> None:
        self.catalogue = catalogue
        self.language = language

    def __call__(self, key: str, /, **values: Any) -> str:
        """The message `key` with `values` filled in (escaped for HTML)."""
        text = self.catalogue.text(self.language, key)
        if not values:
            return text
        safe = {name: html.escape(str(value), quote=False) for name, value in values.items()}
        try:
            return text.format_map(safe)
        except (KeyError, IndexError, ValueError):
            # A placeholder the caller did not pass: show the text rather than fail the reply.
            return text

    def has(self, key: str) -> bool:
        """Whether the catalogue has `key`."""
        return self.catalogue.has(key)

    def raw(self, key: str, /, **values: Any) -> str:
        """Like calling, but `values` are trusted markup already (built from `t` results)."""
        text = self.catalogue.text(self.language, key)
        return text.format_map(values) if values else text


def placeholders(text: str) -> frozenset[str]:
    """The `{name}` placeholders of a message."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)


@cache
def catalogue() -> Catalogue:
    """The catalogue shipped with the bot (read once per process)."""
    return Catalogue.load()


def _flatten(node: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in node.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from _flatten(value, f"{name}.")
        else:
            yield name, str(value)
