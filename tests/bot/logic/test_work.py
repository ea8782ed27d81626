"""The executor's pure rules: what a shift may focus on, notes and reports, and the catalogue
keys the executor's flows build from values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks as cb
from bot.callbacks import SpecKey, WorkVerb
from bot.i18n import LANGUAGES, catalogue
from bot.logic.materials import MaterialProblem
from bot.logic.work import (
    SPECIALISATIONS,
    check_note,
    check_report,
    focus_options,
    toggle,
)
from bot.ui.executor import SPECIALIZATION


def test_a_shift_focuses_on_what_the_executor_holds() -> None:
    assert focus_options(["repair", "plumber"]) == ("plumber", "repair")
    assert focus_options(["plumber"]) == ("plumber",)
    assert focus_options([]) == ()
    # "Can do anything": any specialisation may be the focus.
    assert focus_options(["universal"]) == SPECIALISATIONS
    assert focus_options(["plumber", "universal"]) == SPECIALISATIONS


@given(st.lists(st.sampled_from(SPECIALISATIONS)), st.sampled_from(SPECIALISATIONS))
def test_toggling_twice_changes_nothing_and_keeps_canonical_order(
    chosen: list[str], key: str
) -> None:
    once = toggle(chosen, key)
    assert (key in once) != (key in chosen)
    assert once == [s for s in SPECIALISATIONS if s in once]
    assert toggle(once, key) == [s for s in SPECIALISATIONS if s in set(chosen)]


def test_notes_and_reports() -> None:
    assert check_note("").ok and check_note(None).value == ""
    assert check_note("  Ключи у охраны  ").value == "Ключи у охраны"
    assert check_note("я" * 500).ok
    assert (check_note("я" * 501).problem, check_note("я" * 501).length) == (
        "shift.note.too_long",
        501,
    )
    assert check_report("ок").problem == "work.complete.report.too_short"
    assert check_report(" Заменил сифон ").value == "Заменил сифон"
    assert check_report("я" * 2000).ok
    assert check_report("я" * 2001).problem == "work.complete.report.too_long"


def test_keys_built_from_values_exist_in_every_language() -> None:
    built = {f"shift.spec.{s.value}" for s in SpecKey}
    built |= {f"shift.spec.{key}" for key in SPECIALIZATION.by_key}
    built |= {f"work.button.{v.name.lower()}" for v in WorkVerb if v is not WorkVerb.TAKE}
    built |= {f"work.materials.problem.{p.value}" for p in MaterialProblem}
    for language in LANGUAGES:
        assert built - set(catalogue().messages[language]) == set(), language


def test_executor_buttons_fit_and_forgeries_do_not_parse() -> None:
    longest = "999999-999999"
    samples = [cb.WorkDo(verb=v, number=longest, version=2**31 - 1) for v in cb.WorkVerb] + [
        *(cb.ExecOpen(list=k, number=longest) for k in cb.ExecList),
        *(cb.ExecPage(list=k, page=999) for k in cb.ExecList),
        *(cb.ShiftFocus(spec=s) for s in cb.SpecKey),
        *(cb.ShiftDo(act=a) for a in cb.ShiftAct),
    ]
    for sample in samples:
        assert len(sample.pack().encode()) <= 64
        assert sample.pack().split(":")[0].startswith("e")
    for factory, data in (
        (cb.WorkDo, "ew:c:25112-007:1"),
        (cb.WorkDo, "ew:c:251125-007:-1"),
        (cb.WorkDo, "ew:c:251125-007:2147483648"),
        (cb.WorkDo, "ew:x:251125-007:1"),
        (cb.ExecOpen, "eo:w:251125-007;drop"),
        (cb.ExecPage, "el:w:1000"),
        (cb.ShiftFocus, "ef:teleport"),
        (cb.ShiftDo, "es:boom"),
    ):
        with pytest.raises((ValueError, TypeError)):
            factory.unpack(data)
