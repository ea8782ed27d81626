"""The `ukm.users.v1.DirectoryService` servicer: protos in, directory rules and store, protos out.

Who may call which method is the kit's permission matrix; the resource rules are in the mixed-in
halves: the places (`directory_places_api`: only managers see deleted places) and who may file
for them (`directory_bindings_api`: residents see and ask only for their own bindings, grants
and addresses), and how places read (`directory_labels_api`: labels by id). The first two page
their listings with `directory_paging_api`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ukm.users.v1 import directory_service_pb2_grpc as rpc

from services.users.directory_bindings_api import BindingRpcs
from services.users.directory_labels_api import LabelRpcs
from services.users.directory_places_api import PlaceRpcs
from services.users.directory_store import DirectoryStore


class DirectoryApi(PlaceRpcs, BindingRpcs, LabelRpcs, rpc.DirectoryServiceServicer):
    """Yards, buildings, apartments, bindings, yard grants, address resolution and labels."""

    def __init__(self, store: DirectoryStore, *, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.clock = clock
