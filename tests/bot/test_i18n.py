"""The catalogue: every key in every language with the same placeholders, every key the code
uses exists, values are escaped for HTML, Russian is the fallback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.callbacks import CategoryKey, MenuKey, RoleKey, UrgencyKey
from bot.i18n import LANGUAGES, Catalogue, catalogue, placeholders
from bot.logic.phones import PhoneProblem
from bot.mesh.requests import STATUS
from bot.ui.menus import MENUS

BOT = Path(__file__).resolve().parents[2] / "bot"
# Literal keys in the code: t("a.b"), say("a.b", …), show("a.b", …), has("a.b"), problem="a.b".
_LITERAL = re.compile(
    r"""(?:\bt|\.t|say|show|has|raw|problem=)\(?\s*["']([a-z_]+(?:\.[a-zA-Z_]+)+)["']"""
)


def test_every_key_in_every_language_with_the_same_placeholders() -> None:
    words = catalogue()
    russian = words.messages["ru"]
    for language in LANGUAGES:
        texts = words.messages[language]
        assert set(texts) == set(russian), (language, set(russian) ^ set(texts))
        for key, text in texts.items():
            assert placeholders(text) == placeholders(russian[key]), (language, key)
            assert text.strip(), (language, key)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_html_telegram_accepts(language: str) -> None:
    allowed = {"b", "i", "u", "s", "code", "pre", "a", "tg-spoiler", "blockquote"}
    for key, text in catalogue().messages[language].items():
        tags = re.findall(r"</?([a-z-]+)[^>]*>", text)
        assert set(tags) <= allowed, (language, key, tags)
        for tag in set(tags):
            assert text.count(f"<{tag}>") == text.count(f"</{tag}>"), (language, key)


def test_every_key_the_code_uses_exists() -> None:
    known = set(catalogue().messages["ru"])
    used = {
        key
        for path in BOT.rglob("*.py")
        for key in _LITERAL.findall(path.read_text(encoding="utf-8"))
    }
    assert used, "the pattern found no keys at all"
    assert used - known == set()
    # Keys built from values.
    built = {f"category.{c.value}" for c in CategoryKey}
    built |= {f"urgency.{u.value}" for u in UrgencyKey}
    built |= {f"status.{s}" for s in STATUS.by_key}
    built |= {f"role.{r.value}" for r in RoleKey}
    built |= {f"help.{r.value}" for r in RoleKey} | {"help.pending"}
    built |= {f"menu.item.{m.value}" for m in MenuKey}
    built |= {f"phone.problem.{p.value}" for p in PhoneProblem}
    assert built - known == set()
    assert set(MENUS) == {r.value for r in RoleKey}


def test_values_are_escaped_and_russian_is_the_fallback() -> None:
    words = Catalogue(
        {"ru": {"hi": "Привет, <b>{name}</b>", "only": "Только"}, "en": {"hi": "Hi {name}"}}
    )
    assert words.translator("ru")("hi", name="<script>&") == "Привет, <b>&lt;script&gt;&amp;</b>"
    assert words.translator("en")("only") == "Только"
    assert words.translator("de")("hi", name="x") == "Привет, <b>x</b>"
    assert words.translator("ru")("missing.key") == "missing.key"
    # A placeholder the caller forgot shows the text rather than failing the reply.
    assert words.translator("en")("hi", other="x") == "Hi {name}"
    assert words.translator("ru").raw("hi", name="<i>ok</i>") == "Привет, <b><i>ok</i></b>"
