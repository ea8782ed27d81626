"""Filing rules (pure logic, no infrastructure)."""

from datetime import UTC, datetime, timedelta

import pytest

from services.kit.errors import InvalidArgument
from services.requests.domain import CATEGORY_SPECIALISATION, Address, NewRequest, plan_filing
from services.requests.sla import SlaPolicy, SlaTarget

NOW = datetime(2025, 11, 25, 10, 0, tzinfo=UTC)
YARD = "6f1c2a7e-3b9d-4c55-8e21-0a1b2c3d4e5f"
APPLICANT = "9c4f5da1-6ec0-4f88-b154-3d4e5f607182"


def new(**changes: object) -> NewRequest:
    values: dict[str, object] = {
        "category": "plumbing",
        "description": "Leaking pipe in the kitchen",
        "urgency": None,
        "address": Address("yard", YARD),
        "source": None,
        "acceptance_mode": None,
        "applicant_id": APPLICANT,
    }
    values.update(changes)
    return NewRequest(**values)  # type: ignore[arg-type]


def test_defaults_medium_api_resident_and_sla_from_creation() -> None:
    filing = plan_filing(new(), caller_user_id=None, now=NOW, policy=SlaPolicy())
    assert (filing.urgency, filing.source, filing.acceptance_mode) == ("medium", "api", "resident")
    assert filing.status == "new"
    assert filing.specialisation == "plumber"
    assert filing.response_due_at == NOW + timedelta(hours=8)
    assert filing.resolution_due_at == NOW + timedelta(days=3)


@pytest.mark.parametrize(
    ("urgency", "respond", "resolve"),
    [
        ("critical", timedelta(minutes=30), timedelta(hours=4)),
        ("high", timedelta(hours=2), timedelta(hours=24)),
        ("low", timedelta(hours=24), timedelta(days=5)),
    ],
)
def test_sla_defaults_per_urgency(urgency: str, respond: timedelta, resolve: timedelta) -> None:
    filing = plan_filing(new(urgency=urgency), caller_user_id=None, now=NOW, policy=SlaPolicy())
    assert (filing.response_due_at - NOW, filing.resolution_due_at - NOW) == (respond, resolve)


def test_category_override_wins_over_urgency_default() -> None:
    policy = SlaPolicy(
        by_category={("elevator", "high"): SlaTarget(timedelta(minutes=15), timedelta(hours=2))}
    )
    filing = plan_filing(
        new(category="elevator", urgency="high"), caller_user_id=None, now=NOW, policy=policy
    )
    assert filing.response_due_at == NOW + timedelta(minutes=15)


def test_caller_is_the_applicant_when_none_is_named() -> None:
    filing = plan_filing(new(applicant_id=None), caller_user_id="u-1", now=NOW, policy=SlaPolicy())
    assert filing.applicant_id == "u-1"


def test_an_applicant_is_required() -> None:
    with pytest.raises(InvalidArgument) as refused:
        plan_filing(new(applicant_id=None), caller_user_id=None, now=NOW, policy=SlaPolicy())
    assert refused.value.violations[0].field == "applicant_id"


def test_description_is_trimmed_and_measured_without_surrounding_spaces() -> None:
    filing = plan_filing(
        new(description="  Лифт стоит.  \n"), caller_user_id=None, now=NOW, policy=SlaPolicy()
    )
    assert filing.description == "Лифт стоит."
    with pytest.raises(InvalidArgument) as refused:
        plan_filing(
            new(description="   short      "), caller_user_id=None, now=NOW, policy=SlaPolicy()
        )
    assert refused.value.violations[0].field == "description"


def test_every_category_maps_to_a_concrete_specialisation() -> None:
    assert set(CATEGORY_SPECIALISATION) == {
        "electricity",
        "plumbing",
        "heating",
        "ventilation",
        "elevator",
        "cleaning",
        "landscaping",
        "security",
        "internet",
        "repair",
        "other",
    }
    assert "universal" not in CATEGORY_SPECIALISATION.values()
