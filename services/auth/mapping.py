"""Domain values and stored rows → protos of `ukm.auth.v1`. No rules here, only translation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from ukm.auth.v1 import auth_service_pb2 as pb

from services.auth.challenges import MfaChallenge
from services.auth.events import timestamp
from services.auth.issuing import TokenPair
from services.kit.enums import EnumKeys

EVENT_KIND = EnumKeys(pb.AuthEventKind.DESCRIPTOR)


def token_pair(pair: TokenPair) -> pb.TokenPair:
    """The `TokenPair` message."""
    return pb.TokenPair(
        access_token=pair.access.token,
        access_expires_at=timestamp(pair.access.expires_at),
        refresh_token=pair.refresh.token,
        refresh_expires_at=timestamp(pair.refresh.expires_at),
        session_id=pair.refresh.session_id,
        token_type="Bearer",
    )


def mfa_challenge(challenge: MfaChallenge) -> pb.MfaChallenge:
    """The `MfaChallenge` message."""
    return pb.MfaChallenge(
        challenge_token=challenge.token,
        expires_at=timestamp(challenge.expires_at),
        enrollment_required=challenge.enrollment_required,
    )


def session(row: sa.RowMapping) -> pb.Session:
    """A stored session as the `Session` resource."""
    return pb.Session(
        session_id=str(row["id"]),
        user_id=str(row["user_id"]),
        created_at=timestamp(row["created_at"]),
        last_used_at=timestamp(row["last_used_at"]),
        expires_at=timestamp(row["expires_at"]),
        method=row["method"],
        client_ip=row["client_ip"],
        user_agent=row["user_agent"],
    )


def auth_event(row: sa.RowMapping) -> pb.AuthEvent:
    """A stored audit row as the `AuthEvent` message."""
    return pb.AuthEvent(
        id=str(row["id"]),
        kind=EVENT_KIND.number(row["kind"]),  # type: ignore[arg-type]
        user_id=str(row["user_id"] or ""),
        client_ip=row["client_ip"],
        occurred_at=timestamp(row["occurred_at"]),
        detail=row["detail"],
    )


def jwks(document: Mapping[str, Any]) -> pb.GetJwksResponse:
    """The JWKS document as its message (field names are the JWK member names)."""
    return pb.GetJwksResponse(keys=[pb.Jwk(**key) for key in document["keys"]])
