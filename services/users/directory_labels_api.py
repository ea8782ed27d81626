"""How places read: the labels of `DirectoryService` (part of `directory_api.DirectoryApi`).

Request cards and notifications name places by id; any signed-in person with a role and the
services that show requests may turn those ids into labels. Inactive places are labelled too:
old requests name them.
"""

from __future__ import annotations

from typing import TypeAlias

import grpc
from ukm.users.v1 import directory_service_pb2 as pb

from services.users import address_labels, mapping
from services.users.directory_store import DirectoryStore

Context: TypeAlias = grpc.aio.ServicerContext


class LabelRpcs:
    """Address labels (a mixin of `directory_api.DirectoryApi`, which sets `store`)."""

    store: DirectoryStore

    async def LabelAddresses(
        self, request: pb.LabelAddressesRequest, context: Context
    ) -> pb.LabelAddressesResponse:
        """Labels of places by id, in the order asked, their ids completed (an apartment's
        building and yard filled in); places that do not exist are left out."""
        asked = address_labels.asked_places(
            [(p.yard_id, p.building_id, p.apartment_id) for p in request.places]
        )
        facts = await self.store.labels.facts(asked)
        labelled = address_labels.label_places(asked, facts)
        return pb.LabelAddressesResponse(places=[mapping.to_labelled_place(p) for p in labelled])
