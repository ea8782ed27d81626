"""Templates: the safe substitution language, languages and fallbacks, edit-time checks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import InvalidArgument
from services.notifications.templates import (
    LANGUAGES,
    Catalogue,
    Template,
    TemplateSyntaxError,
    check_edit,
    default_catalogue,
    normalize_language,
    parse,
    problems,
    render,
)

ASSIGNED = {
    "number": "251125-007",
    "category": "plumbing",
    "urgency": "critical",
    "description": "Water leaks <under> the sink & floods",
}


def small(texts: dict[str, str], fields: tuple[str, ...] = ("number", "comment")) -> Catalogue:
    return Catalogue({"t": Template("t", frozenset(fields), texts)}, default_catalogue().labels)


def test_a_default_template_renders_in_each_language_with_labels() -> None:
    catalogue = default_catalogue()
    ru = render(catalogue, "request.assigned.executor", "ru", ASSIGNED)
    uz = render(catalogue, "request.assigned.executor", "uz", ASSIGNED)
    en = render(catalogue, "request.assigned.executor", "en", ASSIGNED)
    assert "№251125-007" in ru.text and "Сантехника" in ru.text and "критическая" in ru.text
    assert "Santexnika" in uz.text and "favqulodda" in uz.text
    assert "Plumbing" in en.text and "critical" in en.text
    assert not (ru.fell_back or uz.fell_back or en.fell_back)
    assert ru.warnings == uz.warnings == en.warnings == ()


def test_values_are_escaped_for_telegram_html_and_kept_plain_for_text() -> None:
    rendered = render(default_catalogue(), "request.assigned.executor", "en", ASSIGNED)
    assert "Water leaks &lt;under&gt; the sink &amp; floods" in rendered.html
    assert "<b>Request №251125-007 is assigned to you</b>" in rendered.html
    assert "Water leaks <under> the sink & floods" in rendered.text
    assert "**" not in rendered.text and "<b>" not in rendered.text


def test_the_subject_is_the_first_line_without_markup() -> None:
    rendered = render(default_catalogue(), "request.assigned.executor", "en", ASSIGNED)
    assert rendered.subject == "Request №251125-007 is assigned to you"


def test_a_line_whose_field_has_no_value_is_left_out() -> None:
    # No address label yet: the "Address:" line disappears instead of dangling.
    rendered = render(default_catalogue(), "request.assigned.executor", "en", ASSIGNED)
    assert "Address" not in rendered.text
    with_address = render(
        default_catalogue(), "request.assigned.executor", "en", {**ASSIGNED, "address": "Bldg 12"}
    )
    assert "Address: Bldg 12" in with_address.text


def test_a_list_of_label_keys_is_shown_in_the_readers_language() -> None:
    rendered = render(
        default_catalogue(),
        "user.verification_requested.subject",
        "ru",
        {"documents": ("passport", "utility_bill")},
    )
    assert "паспорт, квитанция за коммунальные услуги" in rendered.text


def test_a_missing_translation_falls_back_to_russian_and_says_so() -> None:
    rendered = render(small({"ru": "Заявка №{number}"}), "t", "uz", {"number": "1"})
    assert rendered.text == "Заявка №1"
    assert rendered.language == "ru"
    assert rendered.fell_back
    assert "no 'uz' text" in rendered.warnings[0]


def test_unknown_template_or_broken_text_never_raises() -> None:
    catalogue = small({"ru": "broken {"})
    unknown = render(catalogue, "nope", "en", {"number": "1"})
    broken = render(catalogue, "t", "ru", {"number": "1<"})
    for rendered in (unknown, broken):
        assert rendered.fell_back and rendered.warnings
        assert "number: 1" in rendered.text
    assert "number: 1&lt;" in broken.html


def test_fields_outside_the_whitelist_are_never_shown() -> None:
    # A stored template naming a field it may not use renders without that line.
    catalogue = Catalogue(
        {"t": Template("t", frozenset({"number"}), {"ru": "№{number}\n{reset_token}"})}, {}
    )
    rendered = render(catalogue, "t", "ru", {"number": "1", "reset_token": "s3cret"})
    assert "s3cret" not in rendered.text and "s3cret" not in rendered.html
    assert rendered.warnings


@pytest.mark.parametrize("tag", ["uz-Latn", "UZ", "uz_UZ"])
def test_language_tags_are_normalised(tag: str) -> None:
    assert normalize_language(tag) == "uz"


@pytest.mark.parametrize("tag", [None, "", "de", "xx-YY"])
def test_unknown_languages_read_russian(tag: str | None) -> None:
    assert normalize_language(tag) == "ru"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Hello {user.password}", "is not a placeholder"),
        ("Hello {0}", "is not a placeholder"),
        ("Hello {number!r}", "is not a placeholder"),
        ("Hello {number:>10}", "is not a placeholder"),
        ("Hello {__class__}", "is not a placeholder"),
        ("Hello { number", "lone '{'"),
        ("**bold", "never closed"),
    ],
)
def test_syntax_errors_name_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(TemplateSyntaxError, match="line 1") as error:
        parse(text)
    assert fragment in str(error.value)


def test_literal_braces_are_written_doubled() -> None:
    rendered = render(small({"ru": "{{not a field}} №{number}"}), "t", "ru", {"number": "7"})
    assert rendered.text == "{not a field} №7"


def test_an_edit_with_an_unknown_placeholder_is_refused_clearly() -> None:
    with pytest.raises(InvalidArgument) as error:
        check_edit(default_catalogue(), "request.cancelled.applicant", "en", "{number} {phone}")
    message = str(error.value)
    assert "{phone}" in message and "{reason}" in message
    assert error.value.violations[0].field == "text"


@pytest.mark.parametrize(
    ("key", "language", "text", "field"),
    [
        ("no.such", "en", "x", "key"),
        ("request.cancelled.applicant", "de", "x", "language"),
        ("request.cancelled.applicant", "en", "   ", "text"),
        ("request.cancelled.applicant", "en", "x" * 2001, "text"),
    ],
)
def test_other_bad_edits_are_refused(key: str, language: str, text: str, field: str) -> None:
    with pytest.raises(InvalidArgument) as error:
        check_edit(default_catalogue(), key, language, text)
    assert error.value.violations[0].field == field


def test_an_accepted_edit_is_used() -> None:
    edited = default_catalogue().with_text(
        "request.cancelled.applicant", "en", "**Cancelled** №{number}: {reason}"
    )
    rendered = render(edited, "request.cancelled.applicant", "en", {"number": "1", "reason": "x"})
    assert rendered.html == "<b>Cancelled</b> №1: x"
    assert default_catalogue().templates["request.cancelled.applicant"].texts["en"] != (
        "**Cancelled** №{number}: {reason}"
    )


def test_every_default_template_is_valid_in_every_language() -> None:
    for template in default_catalogue().templates.values():
        assert set(template.texts) == set(LANGUAGES), template.key
        for text in template.texts.values():
            assert problems(text, template.fields) == [], template.key


@given(value=st.text())
def test_any_value_renders_without_raising_and_escapes_markup(value: str) -> None:
    rendered = render(small({"ru": "**№{number}**\n{comment}"}), "t", "ru", {"comment": value})
    # The only tags in the HTML are the template's own bold ones.
    stripped = rendered.html.replace("<b>", "").replace("</b>", "")
    assert "<" not in stripped and ">" not in stripped


@given(text=st.text(max_size=60))
def test_any_edit_text_is_either_accepted_or_refused_with_a_reason(text: str) -> None:
    found = problems(text, {"number"})
    if not found:
        render(small({"ru": text}, ("number",)), "t", "ru", {"number": "1"})
    else:
        assert all(isinstance(problem, str) and problem for problem in found)
