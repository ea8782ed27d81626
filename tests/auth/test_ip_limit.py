"""The per-IP limit: failures across accounts from one address hold that address back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.auth.conftest import PASSWORD, AuthService
from tests.auth.test_lockout import EMAIL, fail, refused


@pytest.fixture
def auth_overrides() -> dict[str, object]:
    # A small per-IP limit keeps the test short; the rule is the same at 50.
    return {"login_ip_failures": 6}


async def test_the_ip_limit_spans_accounts(service: AuthService) -> None:
    await service.register(EMAIL)
    for index in range(6):
        await fail(service, 1, email=f"guess{index}@example.uz")
    delay = await refused(service, password=PASSWORD)
    assert 899 <= delay <= 900
    service.clock.advance(timedelta(seconds=delay))
    await service.tokens(EMAIL)
