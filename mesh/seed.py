"""Demo data for `ukm up`, filed through the real API (Envoy's mesh listener, operator identity).

Idempotency keys make seeding safe to repeat: a second `ukm up` finds the same requests.
"""

from __future__ import annotations

from pathlib import Path

from ukm.requests.v1 import request_pb2, requests_service_pb2, requests_service_pb2_grpc

from mesh.banner import DEMO_APARTMENT, DEMO_APPLICANT, DEMO_BUILDING, DEMO_YARD
from mesh.topology import Topology
from services.kit.channels import mesh_channel
from services.kit.settings import Settings

DEMO_REQUESTS = [
    (
        request_pb2.CATEGORY_PLUMBING,
        request_pb2.URGENCY_HIGH,
        "Течёт труба под раковиной на кухне, вода капает к соседям снизу.",
    ),
    (
        request_pb2.CATEGORY_ELEVATOR,
        request_pb2.URGENCY_CRITICAL,
        "Лифт во втором подъезде застрял между 5 и 6 этажом, внутри никого нет.",
    ),
    (
        request_pb2.CATEGORY_ELECTRICITY,
        request_pb2.URGENCY_MEDIUM,
        "Yo'lakda 3-qavatda chiroq yonmayapti, kechqurun juda qorong'i.",
    ),
    (
        request_pb2.CATEGORY_CLEANING,
        request_pb2.URGENCY_LOW,
        "Please clean the stairwell of entrance 1, there is construction dust.",
    ),
]


async def seed_demo(root: Path, topology: Topology) -> list[str]:
    """File the demo requests (once); returns their numbers."""
    settings = Settings(pki_dir=root / "pki", mesh_address=f"127.0.0.1:{topology.edge.mesh_port}")
    async with mesh_channel(settings, "operator") as channel:
        stub = requests_service_pb2_grpc.RequestServiceStub(channel)
        numbers = []
        for index, (category, urgency, text) in enumerate(DEMO_REQUESTS, start=1):
            response = await stub.CreateRequest(
                requests_service_pb2.CreateRequestRequest(
                    category=category,
                    urgency=urgency,
                    description=text,
                    source=request_pb2.SOURCE_CALL_CENTER,
                    applicant_id=DEMO_APPLICANT,
                    address=requests_service_pb2.AddressInput(
                        level=request_pb2.ADDRESS_LEVEL_APARTMENT,
                        yard_id=DEMO_YARD,
                        building_id=DEMO_BUILDING,
                        apartment_id=DEMO_APARTMENT,
                    ),
                    idempotency_key=f"demo-seed-{index}",
                ),
                wait_for_ready=True,
            )
            numbers.append(response.request.request_number)
    return numbers
