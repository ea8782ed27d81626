"""Text keys of the address directory: names and apartment numbers as stored and as compared.

Yard names, building addresses and apartment numbers are stored as typed (cleaned), next to a
key under which they are unique and searched however they are typed (DOMAIN.md "Address
directory"). Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata

from services.kit.errors import InvalidArgument

NUMBER_MAX_LENGTH = 16

# Everything people type for the Uzbek Latin oʻ/gʻ mark and the tutuq belgisi (ʼ).
_APOSTROPHES = dict.fromkeys(map(ord, "ʻʼ‘’`´ʹ′"), "'")
_SPACES = re.compile(r"\s+")
# Cyrillic letters that look like Latin ones: "12А" typed on a Russian keyboard is "12A".
_LOOKALIKES = str.maketrans("АВЕКМНОРСТХ", "ABEKMHOPCTX")
_NUMBER_CHARS = re.compile(r"[0-9A-Za-zА-Яа-яЁё/\-]+")
_LEADING_DIGITS = re.compile(r"[0-9]+")
_INT32_MAX = 2**31 - 1  # the column is an integer; a 16-digit "number" is still ordered last


def clean_text(text: str) -> str:
    """`text` as stored: Unicode NFC, trimmed, inner whitespace collapsed to one space."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def text_key(text: str) -> str:
    """A key under which names are unique and searched: case-, spacing- and spelling-blind.

    Russian ё is е for search purposes, and Uzbek apostrophe variants are one character, so
    "Oʻzbekiston", "O'zbekiston" and "o`zbekiston" are the same key.
    """
    folded = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return clean_text(folded.replace("ё", "е"))


def apartment_number(text: str, field: str = "number") -> str:
    """An apartment number as stored ("12", "12А", "3/1"): trimmed, upper case, no spaces."""
    number = _SPACES.sub("", text).upper()
    if not number:
        raise InvalidArgument.field(field, "is required")
    if len(number) > NUMBER_MAX_LENGTH:
        raise InvalidArgument.field(field, f"must have at most {NUMBER_MAX_LENGTH} characters")
    if not _NUMBER_CHARS.fullmatch(number):
        raise InvalidArgument.field(field, "may contain only letters, digits, '/' and '-'")
    return number


def apartment_key(number: str) -> str:
    """The key under which apartment numbers are unique within a building."""
    return _SPACES.sub("", number).upper().replace("Ё", "Е").translate(_LOOKALIKES)


def number_order(number: str) -> int:
    """The leading integer of an apartment number ("12А" → 12; none → 0), for natural order."""
    digits = _LEADING_DIGITS.match(number)
    return min(int(digits.group()), _INT32_MAX) if digits else 0
