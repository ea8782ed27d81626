"""What `ukm up` prints once everything is healthy: where things are, and commands to paste."""

from __future__ import annotations

import os
from pathlib import Path

from mesh.topology import Topology

DEMO_YARD = "6f1c2a7e-3b9d-4c55-8e21-0a1b2c3d4e5f"
DEMO_BUILDING = "7a2d3b8f-4cae-4d66-9f32-1b2c3d4e5f60"
DEMO_APARTMENT = "8b3e4c90-5dbf-4e77-a043-2c3d4e5f6071"
DEMO_APPLICANT = "9c4f5da1-6ec0-4f88-b154-3d4e5f607182"


def banner(topology: Topology, root: Path, seconds: float, demo_numbers: list[str]) -> str:
    """The endpoints and ready-to-paste curl and grpcurl commands."""
    number = demo_numbers[0] if demo_numbers else "YYMMDD-NNN"
    edge = topology.edge
    pki = _relative(root / "pki")
    body = (
        '{"category":"CATEGORY_PLUMBING","description":"Leaking pipe under the kitchen sink",'
        '"urgency":"URGENCY_HIGH","address":{"level":"ADDRESS_LEVEL_APARTMENT",'
        f'"yardId":"{DEMO_YARD}","buildingId":"{DEMO_BUILDING}","apartmentId":"{DEMO_APARTMENT}"}},'
        f'"applicantId":"{DEMO_APPLICANT}"}}'
    )
    certs = f"-cacert {pki}/ca.crt -cert {pki}/operator.crt -key {pki}/operator.key"
    return f"""
UKM is up ({seconds:.1f}s). Ctrl-C stops everything; data stays in {_relative(root)}/.

  REST + gRPC (plaintext, local only)   http://127.0.0.1:{edge.http_port}
  REST + gRPC (TLS)                     https://127.0.0.1:{edge.https_port}
  gRPC mesh (mTLS, client cert needed)  127.0.0.1:{edge.mesh_port}
  Envoy admin                           http://127.0.0.1:{edge.admin_port}
  Services                              {", ".join(f"{s.name} :{s.grpc_port} (ops :{s.ops_port})" for s in topology.services.values())}
  Logs                                  {_relative(root / "logs")}/
  Health                                ukm status   (or: make status)

Create, read and list requests over REST:

  curl -s -X POST http://127.0.0.1:{edge.http_port}/v1/requests -H 'content-type: application/json' -d '{body}'
  curl -s http://127.0.0.1:{edge.http_port}/v1/requests/{number}
  curl -s 'http://127.0.0.1:{edge.http_port}/v1/requests?page_size=5&statuses=REQUEST_STATUS_NEW'

The same over gRPC through the mesh listener, with the operator's client certificate:

  .venv/bin/grpcurl {certs} 127.0.0.1:{edge.mesh_port} list
  .venv/bin/grpcurl {certs} -d '{body}' 127.0.0.1:{edge.mesh_port} ukm.requests.v1.RequestService/CreateRequest
  .venv/bin/grpcurl {certs} -d '{{"page_size": 5}}' 127.0.0.1:{edge.mesh_port} ukm.requests.v1.RequestService/ListRequests

Watch RequestCreated events arrive in JetStream:

  .venv/bin/ukm events --follow
"""


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
