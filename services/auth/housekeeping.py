"""Periodic upkeep: rotate the signing key when it is old, move sealed values onto the current
data key after a data-key rotation, and delete what has expired.

Runs in every replica (each step is idempotent; key rotation takes an advisory lock). Revoked
and expired sessions are kept for a month so a replayed refresh token is still recognised as
belonging to an ended session before it becomes simply unknown.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import sqlalchemy as sa

from services.auth import models
from services.auth.deps import AuthDeps

log = logging.getLogger(__name__)

ENDED_SESSIONS_KEPT = timedelta(days=30)
SPENT_TOKENS_KEPT = timedelta(days=1)


async def sweep(deps: AuthDeps) -> dict[str, int]:
    """One pass; how many rows of each kind were resealed or removed."""
    await deps.keys.ensure_current()
    counts = {"resealed_signing_keys": await deps.keys.reseal(), "resealed_accounts": 0}
    while True:
        # A batch per transaction: row locks stay short however many accounts there are.
        async with deps.sessions.begin() as session:
            moved = await deps.accounts.reseal(session)
        if not moved:
            break
        counts["resealed_accounts"] += moved
    counts["signing_keys"] = await deps.keys.purge()
    now = deps.clock()
    sessions = models.sessions
    statements = {
        "mfa_challenges": sa.delete(models.mfa_challenges).where(
            models.mfa_challenges.c.expires_at < now - SPENT_TOKENS_KEPT
        ),
        "password_resets": sa.delete(models.password_resets).where(
            models.password_resets.c.expires_at < now - SPENT_TOKENS_KEPT
        ),
        "oidc_states": sa.delete(models.oidc_states).where(models.oidc_states.c.expires_at < now),
        # Their refresh tokens go with them (ON DELETE CASCADE).
        "sessions": sa.delete(sessions).where(
            sa.or_(
                sessions.c.expires_at < now - ENDED_SESSIONS_KEPT,
                sessions.c.revoked_at < now - ENDED_SESSIONS_KEPT,
            )
        ),
    }
    async with deps.sessions.begin() as session:
        for name, statement in statements.items():
            result = await session.execute(statement)
            counts[name] = int(getattr(result, "rowcount", 0) or 0)
    return counts


async def run(deps: AuthDeps) -> None:
    """Sweep now and then every `housekeeping_seconds`, until cancelled."""
    while True:
        try:
            counts = await sweep(deps)
            if any(counts.values()):
                log.info("housekeeping", extra={"counts": counts})
        except Exception:
            # The database may be briefly away; the next pass catches up.
            log.warning("housekeeping pass failed", exc_info=True)
        await asyncio.sleep(deps.settings.housekeeping_seconds)
