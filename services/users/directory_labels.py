"""The facts behind address labels: places by id with their parents, for a whole batch at once
(LabelAddresses; the rules are in the pure `address_labels`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID

from services.users import directory_models as t
from services.users.address_labels import PlaceAsk, PlaceFact
from services.users.address_levels import Level
from services.users.directory_sql import DirectoryDb, Row

_IDS = ARRAY(UUID(as_uuid=False))


def _any_of(name: str) -> sa.ColumnElement[Any]:
    """`= ANY(:name)` with a uuid[] parameter: one statement whatever the batch's size, so
    PostgreSQL prepares it once."""
    return sa.any_(sa.bindparam(name, type_=_IDS))


def _columns(
    yard_id: sa.ColumnElement[Any],
    building_id: sa.ColumnElement[Any] | None,
    apartment_id: sa.ColumnElement[Any] | None,
    building_address: sa.ColumnElement[Any] | None,
    apartment_number: sa.ColumnElement[Any] | None,
) -> list[sa.Label[Any]]:
    """One level's row shape (the union's branches line up; a missing level reads NULL/"")."""
    no_id = sa.cast(sa.null(), UUID(as_uuid=False))
    no_text = sa.literal_column("''", sa.Text)
    return [
        yard_id.label("yard_id"),
        (building_id if building_id is not None else no_id).label("building_id"),
        (apartment_id if apartment_id is not None else no_id).label("apartment_id"),
        t.yards.c.name.label("yard_name"),
        (building_address if building_address is not None else no_text).label("building_address"),
        (apartment_number if apartment_number is not None else no_text).label("apartment_number"),
    ]


_IN_BUILDING = t.buildings.join(t.yards, t.yards.c.id == t.buildings.c.yard_id)
# Every level by its primary key (inactive places too: old requests still name them), each row
# with its parents and what its label is made of: one round trip for the whole batch.
_FACTS = sa.union_all(
    sa.select(
        *_columns(
            t.yards.c.id,
            t.buildings.c.id,
            t.apartments.c.id,
            t.buildings.c.address,
            t.apartments.c.number,
        )
    )
    .select_from(t.apartments.join(_IN_BUILDING, t.buildings.c.id == t.apartments.c.building_id))
    .where(t.apartments.c.id == _any_of("apartment_ids")),
    sa.select(*_columns(t.yards.c.id, t.buildings.c.id, None, t.buildings.c.address, None))
    .select_from(_IN_BUILDING)
    .where(t.buildings.c.id == _any_of("building_ids")),
    sa.select(*_columns(t.yards.c.id, None, None, None, None)).where(
        t.yards.c.id == _any_of("yard_ids")
    ),
)


class LabelStore:
    """Reads of places for their labels."""

    def __init__(self, db: DirectoryDb) -> None:
        self.db = db

    async def facts(self, asked: Iterable[PlaceAsk]) -> dict[tuple[Level, str], PlaceFact]:
        """The stored places among those asked, by (level, id); missing ones are absent."""
        ids: dict[Level, set[str]] = {level: set() for level in Level}
        for ask in asked:
            level, object_id = ask.key
            ids[level].add(object_id)
        params = {f"{level.value}_ids": sorted(found) for level, found in ids.items()}
        async with self.db.reader.connect() as connection:
            rows = (await connection.execute(_FACTS, params)).mappings().all()
        facts = (_fact(row) for row in rows)
        return {fact.key: fact for fact in facts}


def _fact(row: Row) -> PlaceFact:
    return PlaceFact(
        yard_id=row["yard_id"],
        building_id=row["building_id"],
        apartment_id=row["apartment_id"],
        yard_name=row["yard_name"],
        building_address=row["building_address"],
        apartment_number=row["apartment_number"],
    )
