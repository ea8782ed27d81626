"""From a route to one delivery per person, with exactly-once keys (pure)."""

from __future__ import annotations

from services.notifications.plan import buttons_data, direct, from_route
from services.notifications.routing_model import (
    Addressee,
    Party,
    RoleRecipient,
    Route,
    UserRecipient,
)

EVENT = "3f2b7c1e-0000-4000-8000-000000000001"


def a_route(**changes: object) -> Route:
    values: dict[str, object] = {
        "kind": "request.completed",
        "addressees": (
            Addressee(RoleRecipient("manager", Party.MANAGERS), "request.completed.managers"),
            Addressee(UserRecipient("resident", Party.APPLICANT), "request.completed.applicant"),
        ),
        "data": {"number": "251125-007", "documents": ("passport",)},
        "urgent": False,
        "subject": "251125-007",
        "exclude": frozenset({"plumber"}),
    }
    values.update(changes)
    return Route(**values)  # type: ignore[arg-type]


def test_one_delivery_per_person_the_first_party_wins_and_the_actor_hears_nothing() -> None:
    route = a_route()
    resolved = [
        (route.addressees[0], ["manager-1", "resident", "plumber"]),
        (route.addressees[1], ["resident"]),
    ]
    planned = from_route(route, resolved, event_id=EVENT, event_type="t", extra_data={"a": "b"})
    assert [(p.recipient_id, p.template) for p in planned] == [
        ("manager-1", "request.completed.managers"),
        ("resident", "request.completed.managers"),
    ]
    assert planned[0].data == {"number": "251125-007", "documents": ["passport"], "a": "b"}
    assert len({p.dedup_key for p in planned}) == 2


def test_the_same_event_and_person_always_give_the_same_key() -> None:
    route = a_route()
    once = from_route(route, [(route.addressees[1], ["resident"])], event_id=EVENT, event_type="t")
    again = from_route(
        route, [(route.addressees[1], ["resident"])], event_id=EVENT.upper(), event_type="t"
    )
    assert once[0].dedup_key == again[0].dedup_key
    assert once[0].id != again[0].id  # a new row id, refused by the key on insert


def test_direct_keys_are_scoped_by_caller() -> None:
    common = {
        "idempotency_key": "k1",
        "template": None,
        "data": {},
        "text": "hi",
        "subject_line": None,
        "subject": "",
        "urgent": False,
        "channels": None,
    }
    mine = direct(["u1", "u1"], scope="svc-a", **common)  # type: ignore[arg-type]
    theirs = direct(["u1"], scope="svc-b", **common)  # type: ignore[arg-type]
    assert len(mine) == 1
    assert mine[0].dedup_key != theirs[0].dedup_key


def test_buttons_need_a_request_number_except_upload() -> None:
    assert buttons_data(["accept", "upload"], "251125-007") == [
        ("accept", "act:accept:251125-007"),
        ("upload", "act:upload:"),
    ]
    assert buttons_data(["accept", "bogus"], "not-a-number") == []


def test_a_routed_photo_travels_in_the_data() -> None:
    route = a_route(photo="AgACAgIAAxkBAAIB")
    [planned] = from_route(
        route, [(route.addressees[1], ["resident"])], event_id=EVENT, event_type="t"
    )
    assert planned.data["photo"] == "AgACAgIAAxkBAAIB"
