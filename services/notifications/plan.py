"""From a routed event (or a direct send) to the deliveries to record: one per person (pure).

Each delivery gets its exactly-once key here (services.notifications.dedup): one per event and
person, or per idempotency key and person, so recording the same plan twice adds nothing. A
person who plays two parties of one event (a manager who filed the request) hears it once, as
the first party listed; whoever caused the event is never told.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.kit.callbacks import InlineAction, encode
from services.kit.errors import FieldViolation, InvalidArgument
from services.notifications.dedup import direct_key, notification_key
from services.notifications.routing_model import Addressee, Route, TemplateData
from services.notifications.templates import Catalogue

DIRECT_KIND = "direct"
# The data field holding a photo to show on Telegram (no template reads it as text).
PHOTO = "photo"
# The template a direct text is recorded under (its body is the text itself).
DIRECT_TEXT = "direct.text"


@dataclass(frozen=True)
class NewDelivery:
    """A delivery to record, queued for its first attempt."""

    dedup_key: str
    kind: str
    template: str
    recipient_id: str
    subject: str = ""
    event_id: str | None = None
    event_type: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    body: str | None = None
    subject_line: str | None = None
    actions: tuple[str, ...] = ()
    urgent: bool = False
    staff_only: bool = False
    allowed_channels: tuple[str, ...] | None = None
    contacts: Mapping[str, str] = field(default_factory=dict)
    language_hint: str = ""
    secret_fields: tuple[str, ...] = ()
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


def stored_data(data: TemplateData) -> dict[str, Any]:
    """Template data as JSON (label lists become arrays)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def from_route(
    route: Route,
    resolved: Sequence[tuple[Addressee, Sequence[str]]],
    *,
    event_id: str,
    event_type: str,
    extra_data: Mapping[str, str] | None = None,
) -> list[NewDelivery]:
    """The deliveries of `route`, given the people each addressee resolved to."""
    data = stored_data({**route.data, **(extra_data or {})})
    if route.photo:
        data[PHOTO] = route.photo
    planned: dict[str, NewDelivery] = {}
    for addressee, people in resolved:
        for person in people:
            if person in route.exclude or person in planned:
                continue
            planned[person] = NewDelivery(
                dedup_key=notification_key(event_id, person),
                kind=route.kind,
                template=addressee.template,
                recipient_id=person,
                subject=route.subject,
                event_id=event_id,
                event_type=event_type,
                data=data,
                actions=addressee.actions,
                urgent=route.urgent,
                staff_only=route.staff_only,
                allowed_channels=route.channels,
                contacts=dict(route.contacts),
                language_hint=route.language,
                secret_fields=tuple(sorted(route.secret_fields)),
            )
    return list(planned.values())


def check_direct(
    *,
    people: bool,
    role: bool,
    template: str,
    data: Mapping[str, str],
    text: str,
    catalogue: Catalogue,
) -> None:
    """Refuse a direct send that names its recipients or its message ambiguously, or gives a
    template data it does not use; InvalidArgument lists every problem."""
    violations: list[FieldViolation] = []
    if people == role:
        violations.append(
            FieldViolation("user_ids", "name the recipients: either user_ids or a role")
        )
    if bool(template) == bool(text):
        violations.append(FieldViolation("template", "give either a template or a text"))
    if template:
        known = catalogue.templates.get(template)
        if known is None:
            violations.append(FieldViolation("template", f"no template {template!r}"))
        elif unknown := sorted(set(data) - known.fields):
            usable = ", ".join(sorted(known.fields)) or "none"
            violations.append(
                FieldViolation("data", f"unknown fields {unknown}; this template uses {usable}")
            )
    elif data:
        violations.append(FieldViolation("data", "data goes with a template, not a text"))
    if violations:
        raise InvalidArgument.of(violations)


def direct(
    people: Sequence[str],
    *,
    scope: str,
    idempotency_key: str,
    template: str | None,
    data: Mapping[str, str],
    text: str | None,
    subject_line: str | None,
    subject: str,
    urgent: bool,
    channels: tuple[str, ...] | None,
) -> list[NewDelivery]:
    """The deliveries of a direct send by caller `scope` (a workload or person id)."""
    return [
        NewDelivery(
            dedup_key=direct_key(f"{scope}/{idempotency_key}", person),
            kind=DIRECT_KIND,
            template=template or DIRECT_TEXT,
            recipient_id=person,
            subject=subject,
            data=dict(data),
            body=text,
            subject_line=subject_line,
            urgent=urgent,
            allowed_channels=channels,
        )
        for person in dict.fromkeys(people)
    ]


def buttons_data(actions: Sequence[str], subject: str) -> list[tuple[str, str]]:
    """(action, callback data) for each inline action that can be encoded for `subject`."""
    buttons = []
    for name in actions:
        try:
            action = InlineAction(name)
            buttons.append((name, encode(action, "" if action is InlineAction.UPLOAD else subject)))
        except ValueError:
            continue  # an action this subject cannot carry (no request number): no button
    return buttons
