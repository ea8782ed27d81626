"""Protos ↔ the people, verification and address-label values of this service. Translation
only, no rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from ukm.common.v1 import media_pb2, specialization_pb2
from ukm.users.v1 import (
    directory_service_pb2,
    user_pb2,
    users_service_pb2,
    verification_service_pb2,
)

from services.kit.enums import EnumKeys
from services.kit.errors import InvalidArgument
from services.users.address_labels import LabelledPlace
from services.users.people import Person
from services.users.verification import DocumentRecord, VerificationRecord

ROLE = EnumKeys(user_pb2.Role.DESCRIPTOR)
ACCOUNT_STATUS = EnumKeys(user_pb2.AccountStatus.DESCRIPTOR)
VERIFICATION_STATUS = EnumKeys(user_pb2.VerificationStatus.DESCRIPTOR)
SPECIALIZATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)
DOCUMENT_TYPE = EnumKeys(verification_service_pb2.DocumentType.DESCRIPTOR)
DOCUMENT_STATUS = EnumKeys(verification_service_pb2.DocumentStatus.DESCRIPTOR)
VALIDITY = EnumKeys(users_service_pb2.InviteValidity.DESCRIPTOR)


def role_keys(numbers: Iterable[int]) -> list[str]:
    """Stored keys of `Role` enum numbers."""
    return [ROLE.key(n) for n in numbers]


def specialization_keys(numbers: Iterable[int]) -> list[str]:
    """Stored keys of `Specialization` enum numbers."""
    return [SPECIALIZATION.key(n) for n in numbers]


def to_user(person: Person) -> user_pb2.User:
    """A person as the `User` resource (callers decide beforehand who may see it)."""
    user = user_pb2.User(
        id=person.id,
        full_name=person.full_name,
        phone=person.phone or "",
        email=person.email or "",
        language=person.language,
        roles=[ROLE.number(r) for r in person.roles],  # type: ignore[misc]
        active_role=ROLE.number(person.active_role),  # type: ignore[arg-type]
        status=ACCOUNT_STATUS.number(person.status),  # type: ignore[arg-type]
        verification_status=VERIFICATION_STATUS.number(person.verification_status),  # type: ignore[arg-type]
        specializations=[SPECIALIZATION.number(s) for s in person.specializations],  # type: ignore[misc]
        telegram_user_id=person.telegram_user_id or 0,
        status_reason=person.status_reason,
        anonymized=person.anonymized,
    )
    _stamp(user.created_at, person.created_at)
    _stamp(user.updated_at, person.updated_at)
    return user


def to_principal(person: Person) -> user_pb2.Principal:
    """What a token needs: identity, roles, active role, status, skills, language."""
    return user_pb2.Principal(
        user_id=person.id,
        roles=[ROLE.number(r) for r in person.roles],  # type: ignore[misc]
        active_role=ROLE.number(person.active_role),  # type: ignore[arg-type]
        status=ACCOUNT_STATUS.number(person.status),  # type: ignore[arg-type]
        specializations=[SPECIALIZATION.number(s) for s in person.specializations],  # type: ignore[misc]
        language=person.language,
    )


def to_contact(person: Person) -> users_service_pb2.Contact:
    """How to reach a person. An erased one is there with nothing to reach (erasure already
    cleared the columns; this holds even for a row that still carries something)."""
    contact = users_service_pb2.Contact(
        user_id=person.id,
        full_name=person.full_name,
        language=person.language,
        roles=[ROLE.number(r) for r in person.roles],  # type: ignore[misc]
        status=ACCOUNT_STATUS.number(person.status),  # type: ignore[arg-type]
    )
    if not person.anonymized:
        contact.telegram_user_id = person.telegram_user_id or 0
        contact.email = person.email or ""
        contact.phone = person.phone or ""
    return contact


def to_labelled_place(place: LabelledPlace) -> directory_service_pb2.LabelledPlace:
    """A labelled place with its ids filled in down to its own level (lower ones empty)."""
    return directory_service_pb2.LabelledPlace(
        place=directory_service_pb2.PlaceRef(
            yard_id=place.yard_id,
            building_id=place.building_id or "",
            apartment_id=place.apartment_id or "",
        ),
        label=place.label,
    )


def media_json(media: media_pb2.MediaRef) -> dict[str, object]:
    """The JSON form of a media reference (what is sealed in the documents table)."""
    return json_format.MessageToDict(media)


def to_document(record: DocumentRecord) -> verification_service_pb2.Document:
    """A stored document as the `Document` message."""
    document = verification_service_pb2.Document(
        id=record.id,
        user_id=record.user_id,
        type=DOCUMENT_TYPE.number(record.type),  # type: ignore[arg-type]
        status=DOCUMENT_STATUS.number(record.status),  # type: ignore[arg-type]
        note=record.note,
        review_reason=record.review_reason,
        reviewed_by=record.reviewed_by,
    )
    if record.media is not None:
        document.media.CopyFrom(json_format.ParseDict(record.media, media_pb2.MediaRef()))
    _stamp(document.submitted_at, record.submitted_at)
    _stamp(document.reviewed_at, record.reviewed_at)
    return document


def to_verification(record: VerificationRecord) -> verification_service_pb2.Verification:
    """A verification case as the `Verification` message."""
    verification = verification_service_pb2.Verification(
        user_id=record.user_id,
        status=VERIFICATION_STATUS.number(record.status),  # type: ignore[arg-type]
        requested_types=[DOCUMENT_TYPE.number(t) for t in record.requested_types],  # type: ignore[misc]
        request_comment=record.request_comment,
        requested_by=record.requested_by,
        documents=[to_document(d) for d in record.documents],
        decision_reason=record.decision_reason,
        decided_by=record.decided_by,
    )
    _stamp(verification.requested_at, record.requested_at)
    _stamp(verification.decided_at, record.decided_at)
    return verification


def keyset(position: list[object]) -> tuple[datetime, str]:
    """The (timestamp, id) sort key inside a page token of this service's listings."""
    try:
        moment, row_id = position
        return datetime.fromisoformat(str(moment)), str(row_id)
    except ValueError as exc:
        raise InvalidArgument.field("page_token", "is not a token this service issued") from exc


def stamp(value: datetime) -> Timestamp:
    """A protobuf timestamp of an aware datetime."""
    result = Timestamp()
    result.FromDatetime(value)
    return result


def _stamp(target: Timestamp, value: datetime | None) -> None:
    if value is not None:
        target.FromDatetime(value)
