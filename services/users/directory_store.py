"""The address directory's persistence, assembled: the one object the DirectoryService
servicer holds, with a part per job that shares the engine.

- `places` (`directory_places`): yards, buildings, apartments, listings, the purge guard;
- `bindings` (`binding_store`): residents' apartment bindings and managers' decisions;
- `grants` (`binding_grants`): yard grants;
- `reach` (`binding_reach`): which addresses a person may file requests for;
- `labels` (`directory_labels`): places by id with their parents, for their labels.

Code that runs inside another transaction of the users service imports its hook from the part
itself: `binding_store.approve_pending_bindings` and `forget_user`, `binding_reach.bindings_of`.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from services.users.binding_grants import GrantStore
from services.users.binding_reach import ReachStore
from services.users.binding_store import BindingStore
from services.users.directory_labels import LabelStore
from services.users.directory_places import PlaceStore
from services.users.directory_references import RequestReferences
from services.users.directory_sql import DirectoryDb


class DirectoryStore:
    """All SQL of the address directory, by part."""

    def __init__(self, engine: AsyncEngine, references: RequestReferences) -> None:
        db = DirectoryDb(engine)
        self.places = PlaceStore(db, references)
        self.bindings = BindingStore(db)
        self.grants = GrantStore(db)
        self.reach = ReachStore(db)
        self.labels = LabelStore(db)
