"""`ukm status`: checks every component of a running `ukm up`; exit 0 only if all are healthy."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mesh.running import http_ok, running_state


async def status(root: Path) -> int:
    """Print one line per component; 0 when all are healthy, 1 otherwise."""
    state = running_state(root)
    if state is None:
        return 1
    checks: list[tuple[str, bool]] = []
    for name, ports in state["services"].items():
        checks.append((f"service {name}", http_ok(f"http://127.0.0.1:{ports['ops_port']}/readyz")))
    checks.append(("envoy", http_ok(f"http://127.0.0.1:{state['edge']['admin_port']}/ready")))
    checks.append(("nats", await _nats_ok(state["urls"]["nats"])))
    checks.append(("redis", await _redis_ok(state["urls"]["redis"])))
    checks.append(("postgres", await _postgres_ok(state["urls"]["database"])))
    for name, ok in checks:
        print(f"{'ok ' if ok else 'BAD'}  {name}")
    return 0 if all(ok for _, ok in checks) else 1


async def _nats_ok(url: str) -> bool:
    import nats

    try:
        client = await nats.connect(
            url, connect_timeout=2, max_reconnect_attempts=0, allow_reconnect=False
        )
    except Exception:
        return False
    try:
        await client.jetstream().account_info()
        return True
    except Exception:
        return False
    finally:
        await client.close()


async def _redis_ok(url: str) -> bool:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_timeout=2)
    try:
        return bool(await client.ping())
    except Exception:
        return False
    finally:
        await client.aclose()


async def _postgres_ok(url: str) -> bool:
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, pool_pre_ping=False)
    try:
        async with engine.connect() as connection:
            await asyncio.wait_for(connection.execute(sa.text("SELECT 1")), 2)
        return True
    except Exception:
        return False
    finally:
        await engine.dispose()
