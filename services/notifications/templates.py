"""Message templates per notification and language, and their safe rendering (pure).

A template is plain text in a deliberately tiny language, so an edited template can neither run
code nor read anything it was not given:

- `{number}` is replaced by the value of a field; only the fields whitelisted for that template
  are allowed (no attribute access, indexing, formatting specs or expressions);
- `{{` and `}}` are literal braces; `**bold**` marks bold text (balanced within a line);
- a line naming a field that has no value is left out, so optional facts (a review, an
  address not labelled yet) need no conditionals.

Values are HTML-escaped for Telegram's HTML mode, and a plain-text variant serves SMS and
e-mail text; the first line of the plain text is the e-mail subject. Label fields (category,
urgency…) hold keys and are shown in the reader's language. A missing translation falls back to
Russian and says so in `Rendered.warnings`; rendering never raises.

Defaults ship in `default_templates.yaml` next to this module.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from services.kit.errors import InvalidArgument

Value = str | tuple[str, ...]

LANGUAGES = ("ru", "uz", "en")
FALLBACK_LANGUAGE = "ru"
# Telegram refuses messages over 4096 characters; rendered values need room too.
TEXT_MAX = 2000
DEFAULTS_FILE = Path(__file__).with_name("default_templates.yaml")

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_TOKEN = re.compile(r"\{\{|\}\}|\*\*|\{([^{}]*)\}|[{}]")


class TemplateSyntaxError(ValueError):
    """A template text that is not valid in the substitution language."""


@dataclass(frozen=True)
class Literal:
    """Text shown as written."""

    text: str


@dataclass(frozen=True)
class Field:
    """A placeholder, `{name}`."""

    name: str


@dataclass(frozen=True)
class Bold:
    """A `**` marker: toggles bold."""


Token = Literal | Field | Bold
Line = tuple[Token, ...]


def parse(text: str) -> tuple[Line, ...]:
    """The lines of `text` as tokens; TemplateSyntaxError says what is wrong and where."""
    return tuple(_parse_line(line, number) for number, line in enumerate(text.split("\n"), 1))


def _parse_line(line: str, number: int) -> Line:
    tokens: list[Token] = []
    position = 0
    bold = False
    for match in _TOKEN.finditer(line):
        if match.start() > position:
            tokens.append(Literal(line[position : match.start()]))
        position = match.end()
        found = match.group(0)
        if found in ("{{", "}}"):
            tokens.append(Literal(found[0]))
        elif found == "**":
            bold = not bold
            tokens.append(Bold())
        elif found in ("{", "}"):
            raise TemplateSyntaxError(
                f"line {number}: a lone '{found}'; write '{found * 2}' for a literal brace"
            )
        else:
            name = match.group(1).strip()
            if not _NAME.fullmatch(name):
                raise TemplateSyntaxError(
                    f"line {number}: '{found}' is not a placeholder; placeholders are a field "
                    "name in braces, like {number}, with nothing else inside"
                )
            tokens.append(Field(name))
    if position < len(line):
        tokens.append(Literal(line[position:]))
    if bold:
        raise TemplateSyntaxError(f"line {number}: '**' opens bold text that is never closed")
    return tuple(tokens)


def placeholders(lines: Iterable[Line]) -> frozenset[str]:
    """The field names a parsed template uses."""
    return frozenset(t.name for line in lines for t in line if isinstance(t, Field))


def problems(text: str, allowed: Iterable[str]) -> list[str]:
    """What is wrong with `text` as a template allowed to use the fields `allowed` (empty: fine)."""
    if not text.strip():
        return ["the text is empty"]
    if len(text) > TEXT_MAX:
        return [f"the text has {len(text)} characters; at most {TEXT_MAX}"]
    try:
        lines = parse(text)
    except TemplateSyntaxError as error:
        return [str(error)]
    whitelist = frozenset(allowed)
    unknown = sorted(placeholders(lines) - whitelist)
    if unknown:
        shown = ", ".join("{" + name + "}" for name in unknown)
        usable = ", ".join("{" + name + "}" for name in sorted(whitelist)) or "none"
        return [f"unknown placeholder(s) {shown}; this template may use {usable}"]
    return []


@dataclass(frozen=True)
class Template:
    """One message: the fields it may use and its text per language."""

    key: str
    fields: frozenset[str]
    texts: Mapping[str, str]


@dataclass(frozen=True)
class Rendered:
    """A message ready for a channel."""

    # Telegram HTML (escaped values, <b> for bold).
    html: str
    # SMS and the e-mail text part.
    text: str
    # The e-mail subject: the first line of `text`.
    subject: str
    language: str
    # True when the reader's language was missing and another was used.
    fell_back: bool = False
    warnings: tuple[str, ...] = ()


# Label tables: language → field → key → label.
Labels = Mapping[str, Mapping[str, Mapping[str, str]]]


@dataclass(frozen=True)
class Catalogue:
    """The templates in force (defaults, or defaults overlaid with managers' edits)."""

    templates: Mapping[str, Template]
    labels: Labels

    def with_text(self, key: str, language: str, text: str) -> Catalogue:
        """A copy where `key` reads `text` in `language` (checked with `check_edit` first)."""
        check_edit(self, key, language, text)
        template = self.templates[key]
        edited = Template(key, template.fields, {**template.texts, language: text})
        return Catalogue({**self.templates, key: edited}, self.labels)


def normalize_language(language: str | None) -> str:
    """One of LANGUAGES for a profile or client language tag (`uz-Latn`, `EN_us`…), else ru."""
    primary = (language or "").strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else FALLBACK_LANGUAGE


def check_edit(catalogue: Catalogue, key: str, language: str, text: str) -> None:
    """Refuse an edit of template `key` in `language` with a message that says what to fix."""
    template = catalogue.templates.get(key)
    if template is None:
        known = ", ".join(sorted(catalogue.templates))
        raise InvalidArgument.field("key", f"no template {key!r}; known templates: {known}")
    if language not in LANGUAGES:
        raise InvalidArgument.field(
            "language", f"{language!r} is not supported; use one of {', '.join(LANGUAGES)}"
        )
    found = problems(text, template.fields)
    if found:
        raise InvalidArgument.field("text", "; ".join(found))


def render(
    catalogue: Catalogue, key: str, language: str | None, data: Mapping[str, Value]
) -> Rendered:
    """Template `key` for a reader of `language` with `data`; never raises."""
    wanted = normalize_language(language)
    warnings: list[str] = []
    template = catalogue.templates.get(key)
    if template is None:
        warnings.append(f"no template {key!r}: sent the facts as a list")
        return _facts(catalogue, wanted, data, warnings)
    chosen = _language(template, wanted, warnings)
    if chosen is None:
        return _facts(catalogue, wanted, data, warnings)
    try:
        lines = parse(template.texts[chosen])
    except TemplateSyntaxError as error:
        warnings.append(f"template {key!r} ({chosen}) is broken ({error}): sent the facts")
        return _facts(catalogue, wanted, data, warnings)
    stray = sorted(placeholders(lines) - template.fields)
    if stray:
        warnings.append(f"template {key!r} ({chosen}) uses unknown fields {stray}: lines left out")
    allowed = {k: v for k, v in data.items() if k in template.fields}
    html_lines, text_lines = [], []
    for line in lines:
        values = _line_values(catalogue, chosen, line, allowed)
        if values is None:
            continue
        html_lines.append(_line_html(line, values))
        text_lines.append(_line_text(line, values))
    return _finish(html_lines, text_lines, chosen, chosen != wanted, warnings)


def _language(template: Template, wanted: str, warnings: list[str]) -> str | None:
    if template.texts.get(wanted):
        return wanted
    for other in (FALLBACK_LANGUAGE, *LANGUAGES):
        if template.texts.get(other):
            warnings.append(f"template {template.key!r} has no {wanted!r} text: used {other!r}")
            return other
    warnings.append(f"template {template.key!r} has no text at all: sent the facts")
    return None


def _label(catalogue: Catalogue, language: str, name: str, value: str) -> str:
    for lang in (language, FALLBACK_LANGUAGE):
        label = catalogue.labels.get(lang, {}).get(name, {}).get(value)
        if label:
            return label
    return value


def _shown(catalogue: Catalogue, language: str, name: str, value: Value) -> str:
    if isinstance(value, tuple):
        return ", ".join(_label(catalogue, language, name, item) for item in value)
    return _label(catalogue, language, name, value)


def _line_values(
    catalogue: Catalogue, language: str, line: Line, data: Mapping[str, Value]
) -> dict[str, str] | None:
    """The shown value of each field of `line`, or None when one has none (drop the line)."""
    values: dict[str, str] = {}
    for token in line:
        if isinstance(token, Field):
            value = data.get(token.name)
            if not value:
                return None
            values[token.name] = _shown(catalogue, language, token.name, value)
    return values


def _line_html(line: Line, values: Mapping[str, str]) -> str:
    parts: list[str] = []
    bold = False
    for token in line:
        if isinstance(token, Bold):
            parts.append("</b>" if bold else "<b>")
            bold = not bold
        elif isinstance(token, Field):
            parts.append(html.escape(values[token.name], quote=False))
        else:
            parts.append(html.escape(token.text, quote=False))
    return "".join(parts)


def _line_text(line: Line, values: Mapping[str, str]) -> str:
    return "".join(
        values[t.name] if isinstance(t, Field) else t.text for t in line if not isinstance(t, Bold)
    )


def _finish(
    html_lines: list[str],
    text_lines: list[str],
    language: str,
    fell_back: bool,
    warnings: list[str],
) -> Rendered:
    text = "\n".join(text_lines).strip()
    subject = next((line.strip() for line in text_lines if line.strip()), "")
    return Rendered(
        "\n".join(html_lines).strip(), text, subject, language, fell_back, tuple(warnings)
    )


def _facts(
    catalogue: Catalogue, language: str, data: Mapping[str, Value], warnings: list[str]
) -> Rendered:
    # The last resort: a message nobody wrote is better than a lost one; every value is
    # escaped like any other.
    lines = [f"{name}: {_shown(catalogue, language, name, v)}" for name, v in sorted(data.items())]
    escaped = [html.escape(line, quote=False) for line in lines]
    return _finish(escaped, lines, language, True, warnings)


def parse_catalogue(document: Mapping[str, Any]) -> Catalogue:
    """A catalogue from the data file's structure; ValueError when a template is invalid."""
    templates: dict[str, Template] = {}
    for key, spec in (document.get("templates") or {}).items():
        fields = frozenset(spec.get("fields") or ())
        texts = {lang: str(spec[lang]) for lang in LANGUAGES if spec.get(lang)}
        for lang, text in texts.items():
            found = problems(text, fields)
            if found:
                raise ValueError(f"template {key} ({lang}): {'; '.join(found)}")
        templates[key] = Template(key, fields, texts)
    labels = document.get("labels") or {}
    return Catalogue(templates, labels)


@cache
def default_catalogue() -> Catalogue:
    """The templates and labels shipped with the service (read once)."""
    return parse_catalogue(yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8")))
