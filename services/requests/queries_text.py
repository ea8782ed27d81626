"""Text search in request descriptions, for Russian and Uzbek alike.

Residents write Russian (Cyrillic) and Uzbek (Latin, sometimes Cyrillic). A search matches
whatever the case, treats ё and е as one letter (most people type е), and treats every
apostrophe-like sign as one: Uzbek o‘ and g‘ are written with ʻ (the official U+02BB), ‘ or ’
(phones), ' or ` (keyboards), and all must find each other.

Each word of the query must occur somewhere in the description (a word also matches inside a
longer one: "труб" finds "трубы"). A word becomes a case-insensitive regular expression
(`description ~* pattern`) in which every character stands for itself, except that each
apostrophe sign and ё/е become a class of their equivalents. Why a pattern and not
`lower(description) LIKE` on normalised text: the stored text needs no rewriting, so the plain
column's statistics tell the planner how common a word is, and a trigram GIN index on the plain
column (migration 0002_sla, where pg_trgm exists) serves `~*` directly.

Case folding follows the database's ctype; it folds Cyrillic and Latin under any UTF-8 locale
(the embedded server runs C.UTF-8), not under the plain "C" locale.
"""

from __future__ import annotations

import sqlalchemy as sa

APOSTROPHES = "'`ʻʼ‘’´′"
_APOSTROPHE_CLASS = "[" + APOSTROPHES + "]"
_YO_CLASS = "[её]"  # `~*` also takes Е and Ё
# Longest word list honoured (the contract caps `text` at 200 characters anyway).
MAX_WORDS = 10


def search_words(text: str) -> tuple[str, ...]:
    """The distinct words of a query, in order, at most `MAX_WORDS` (case is kept: the pattern
    ignores it)."""
    words = dict.fromkeys(text.split())
    return tuple(words)[:MAX_WORDS]


def word_pattern(word: str) -> str:
    """A PostgreSQL regular expression (advanced syntax) matching `word` literally, with
    apostrophe signs and ё/е matching their equivalents.

    Non-alphanumeric characters are escaped with a backslash, which in PostgreSQL's regular
    expressions always means "this character itself"; letters and digits need no escape (and
    must not get one: `\\d` or `\\w` would be classes).
    """
    parts: list[str] = []
    for char in word:
        if char in APOSTROPHES:
            parts.append(_APOSTROPHE_CLASS)
        elif char in "еёЕЁ":
            parts.append(_YO_CLASS)
        elif char.isalnum():
            parts.append(char)
        else:
            parts.append("\\" + char)
    return "".join(parts)


def matches_all(column: sa.ColumnElement[str], text: str) -> sa.ColumnElement[bool] | None:
    """A condition: every word of `text` occurs in `column`, case-insensitively (None when
    `text` has no words)."""
    words = search_words(text)
    if not words:
        return None
    return sa.and_(*(column.regexp_match(word_pattern(word), flags="i") for word in words))
