"""The materials list parser: name, quantity as decimal text, unit; unreadable lines named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.logic.materials import (
    MAX_LINES,
    Material,
    MaterialProblem,
    parse_line,
    parse_materials,
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Сифон 1 шт", Material("Сифон", "1", "шт")),
        ("Труба 2 м", Material("Труба", "2", "м")),
        ("Труба 2м", Material("Труба", "2", "м")),
        ("Труба ПВХ 50 мм 2 м", Material("Труба ПВХ 50 мм", "2", "м")),
        ("Кабель ВВГ 3x2.5 10 м", Material("Кабель ВВГ 3x2.5", "10", "м")),
        ("Болт M8 10 шт.", Material("Болт M8", "10", "шт")),
        ("Лампа 4", Material("Лампа", "4", "")),
        ("Сифон x2", Material("Сифон", "2", "")),
        ("Сифон - 1 шт", Material("Сифон", "1", "шт")),
        ("Цемент: 1,5 кг", Material("Цемент", "1.5", "кг")),
        ("Плитка 2.5 м²", Material("Плитка", "2.5", "м²")),
        ("  - Герметик   1   тюбик  ", Material("Герметик", "1", "тюбик")),
        ("2) Pipe 0.75 m", Material("Pipe", "0.75", "m")),
        ("• Quvur 3 dona", Material("Quvur", "3", "dona")),
    ],
)
def test_lines_people_type(line: str, expected: Material) -> None:
    assert parse_line(line) == expected


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("Сифон", MaterialProblem.NO_QUANTITY),
        ("Болт M8", MaterialProblem.NO_QUANTITY),
        ("Клей 1.2.3", MaterialProblem.NO_QUANTITY),
        ("2 шт", MaterialProblem.NO_NAME),
        ("x2", MaterialProblem.NO_NAME),
        ("Труба 0 м", MaterialProblem.ZERO),
        ("Труба 0.0 м", MaterialProblem.ZERO),
        ("я" * 201 + " 1 шт", MaterialProblem.NAME_TOO_LONG),
        ("Труба " + "1" * 21 + " м", MaterialProblem.QUANTITY_TOO_LONG),
        ("Труба 2 " + "м" * 21, MaterialProblem.UNIT_TOO_LONG),
    ],
)
def test_what_cannot_be_read_says_why(line: str, problem: MaterialProblem) -> None:
    assert parse_line(line) == problem


def test_a_list_names_every_line_to_fix() -> None:
    result = parse_materials("Сифон 1 шт\n\nБолт\nТруба 2 м; Лента\n0 шт")
    assert not result.ok
    assert result.items == (Material("Сифон", "1", "шт"), Material("Труба", "2", "м"))
    assert [(p.line, p.text, p.problem) for p in result.problems] == [
        (2, "Болт", MaterialProblem.NO_QUANTITY),
        (4, "Лента", MaterialProblem.NO_QUANTITY),
        (5, "0 шт", MaterialProblem.NO_NAME),
    ]


def test_empty_and_too_long_lists() -> None:
    assert parse_materials("").empty and not parse_materials("").ok
    assert parse_materials(" \n\n ").empty
    assert parse_materials(None).empty
    assert parse_materials("Болт 1 шт\n" * MAX_LINES).ok
    assert parse_materials("Болт 1 шт\n" * (MAX_LINES + 1)).too_many


def test_items_survive_fsm_data() -> None:
    item = Material("Сифон", "1.5", "шт")
    assert Material.load(item.dump()) == item


_WORD = st.text(
    alphabet="абвгдежзиклмнопрстуфцчшщыэюяqwertyuiopasdfghjklzcvbnm", min_size=2, max_size=8
)
_QUANTITY = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal("99999"), places=3, allow_nan=False
)


@given(
    words=st.lists(_WORD, min_size=1, max_size=4),
    quantity=_QUANTITY,
    unit=st.one_of(st.just(""), _WORD),
    comma=st.booleans(),
    glued=st.booleans(),
)
def test_name_quantity_unit_round_trip_as_decimal_text(
    words: list[str], quantity: Decimal, unit: str, comma: bool, glued: bool
) -> None:
    text = format(quantity.normalize(), "f")
    typed = text.replace(".", ",") if comma else text
    gap = "" if glued and unit else " "
    line = f"{' '.join(words)} {typed}{gap}{unit}".rstrip()
    read = parse_line(line)
    assert isinstance(read, Material), line
    assert read == Material(" ".join(words), text, unit)
    # Decimal text, exactly what was typed (never through a float).
    assert isinstance(read.quantity, str) and Decimal(read.quantity) == quantity
