"""A materials list as executors type it, one line per item: `Сифон 1 шт`, `Труба 2 м`,
`Кабель ВВГ 3x2.5 10 м`, `Лампа 4`.

Each line is a name, then the quantity (a decimal number, `,` or `.` as the separator), then
an optional unit glued on or after a space (`2м`, `2 м`, `1.5 кг`, `3 шт.`). The quantity is
the *last* number of the line that only a unit may follow, so names may carry numbers of their
own (`Труба ПВХ 50 мм 2 м` is two metres of a 50 mm pipe). Bullets and numbering in front
(`-`, `•`, `1.`, `2)`) and a separator before the quantity (`Сифон - 1 шт`, `Сифон: 1`,
`Сифон x2`) are allowed.

Quantities stay decimal text (never a float): what the contract carries (`MaterialItem`).
Lines the parser cannot read come back as problems naming the line, so the person is told
exactly which line to fix and how. The limits are the requests service's (it checks again).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

__all__ = [
    "MAX_LINES",
    "NAME_MAX",
    "QUANTITY_MAX",
    "UNIT_MAX",
    "LineProblem",
    "Material",
    "MaterialProblem",
    "MaterialsResult",
    "parse_materials",
]

# The requests service's limits (services/requests/workflow_payload.py).
MAX_LINES = 50
NAME_MAX = 200
QUANTITY_MAX = 20
UNIT_MAX = 20

_BULLET = re.compile(r"^\s*(?:[-–—•*·▪●]+|\d{1,2}[.)])\s+")
# name · optional separator · quantity · optional unit, anchored at the end of the line; the
# lazy name makes the quantity the last number that only a unit may follow.
_LINE = re.compile(
    r"^(?P<name>.*?)[\s:=–—-]*(?:^|(?<=[\s:=–—-]))"
    r"(?:[xх×*]\s*)?"
    r"(?P<quantity>\d+(?:[.,]\d+)?)"
    r"\s*(?P<unit>[^\W\d_][^\W_]*[²³]?\.?)?\s*$",
    re.IGNORECASE,
)
_NUMBER_ONLY = re.compile(r"^[\s:=–—xх×*-]*\d+(?:[.,]\d+)?\s*(?:[^\W\d_][^\W_]*[²³]?\.?)?\s*$")


class MaterialProblem(StrEnum):
    """What is wrong with a line (a catalogue key suffix: `work.materials.problem.<value>`)."""

    NO_QUANTITY = "no_quantity"
    NO_NAME = "no_name"
    ZERO = "zero"
    NAME_TOO_LONG = "name_too_long"
    QUANTITY_TOO_LONG = "quantity_too_long"
    UNIT_TOO_LONG = "unit_too_long"


@dataclass(frozen=True)
class Material:
    """One item: its name, the quantity as decimal text (`"2"`, `"0.5"`) and the unit as typed
    (`""` when none was given)."""

    name: str
    quantity: str
    unit: str = ""

    def dump(self) -> dict[str, str]:
        """For FSM data."""
        return {"name": self.name, "quantity": self.quantity, "unit": self.unit}

    @classmethod
    def load(cls, data: dict[str, str]) -> Material:
        """From FSM data."""
        return cls(str(data["name"]), str(data["quantity"]), str(data.get("unit", "")))


@dataclass(frozen=True)
class LineProblem:
    """A line the parser could not read: its position (from 1), its text and the problem."""

    line: int
    text: str
    problem: MaterialProblem


@dataclass(frozen=True)
class MaterialsResult:
    """The items read, and the lines that could not be read (`empty`, `too_many`: the list as
    a whole). Lines are numbered from 1 without the blank ones; `;` separates items too."""

    items: tuple[Material, ...] = ()
    problems: tuple[LineProblem, ...] = ()
    empty: bool = False
    too_many: bool = False

    @property
    def ok(self) -> bool:
        """True when every line was read and there is at least one item."""
        return bool(self.items) and not self.problems and not self.empty and not self.too_many


def parse_materials(raw: str | None) -> MaterialsResult:
    """The items of a typed list, or what to fix (every unreadable line, not just the first)."""
    parts = (part.strip() for line in (raw or "").splitlines() for part in line.split(";"))
    lines = list(enumerate((part for part in parts if part), start=1))
    if not lines:
        return MaterialsResult(empty=True)
    if len(lines) > MAX_LINES:
        return MaterialsResult(too_many=True)
    items: list[Material] = []
    problems: list[LineProblem] = []
    for number, line in lines:
        read = parse_line(line)
        if isinstance(read, Material):
            items.append(read)
        else:
            problems.append(LineProblem(number, line, read))
    return MaterialsResult(tuple(items), tuple(problems))


def parse_line(line: str) -> Material | MaterialProblem:
    """One line as an item, or its problem."""
    text = " ".join(_BULLET.sub("", line, count=1).split())
    if _NUMBER_ONLY.match(text):
        return MaterialProblem.NO_NAME
    found = _LINE.match(text)
    if found is None:
        return MaterialProblem.NO_QUANTITY
    name = found["name"].strip(" :=–—-")
    quantity = found["quantity"].replace(",", ".")
    unit = (found["unit"] or "").removesuffix(".")
    if not name:
        return MaterialProblem.NO_NAME
    if len(name) > NAME_MAX:
        return MaterialProblem.NAME_TOO_LONG
    if len(quantity) > QUANTITY_MAX:
        return MaterialProblem.QUANTITY_TOO_LONG
    if len(unit) > UNIT_MAX:
        return MaterialProblem.UNIT_TOO_LONG
    try:
        amount = Decimal(quantity)
    except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
        return MaterialProblem.NO_QUANTITY
    if amount <= 0:
        return MaterialProblem.ZERO
    return Material(name, quantity, unit)
