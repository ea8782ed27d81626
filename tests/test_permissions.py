"""The permission matrix (services/kit/permissions.yaml), complete and enforced everywhere.

Every RPC of every service in the topology must have a rule, and the table test calls every one
of them as every kind of caller — people of each role signed in for real through Envoy, a
pending resident, nobody, and each service identity through the mesh listener — checking that
the matrix's answer is what the running system does. A new RPC without a rule fails here.

Calls carry empty requests: the permission check runs before validation, so an allowed call
gets past it (to a validation error, a not-found, a row-level refusal or a result) and a
refused one is stopped by it with a reason only the matrix uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import descriptor_pb2, symbol_database

from mesh.topology import load_topology
from services.kit.rbac import MATRIX_FILE
from services.kit.status import details_of
from tests.support.db import fresh_database
from tests.support.people import PASSWORD, sign_in
from tests.support.services import channel_to
from tests.support.stack import DESCRIPTOR, Stack, mesh_behind_envoy

MATRIX_REFUSALS = {"TOKEN_REQUIRED", "ROLE_NOT_ALLOWED"}


def contract_methods() -> dict[str, descriptor_pb2.MethodDescriptorProto]:
    """`/pkg.Service/Method` → descriptor, for every gRPC service the topology serves."""
    served = {g for s in load_topology().services.values() for g in s.grpc_services}
    files = descriptor_pb2.FileDescriptorSet.FromString(DESCRIPTOR.read_bytes()).file
    return {
        f"/{file.package}.{service.name}/{method.name}": method
        for file in files
        for service in file.service
        if f"{file.package}.{service.name}" in served
        for method in service.method
    }


def matrix() -> dict[str, Any]:
    """The matrix as written: `/pkg.Service/Method` → rule spec."""
    document = yaml.safe_load(MATRIX_FILE.read_text())
    return {
        f"/{service}/{method}": spec
        for service, methods in document["services"].items()
        for method, spec in methods.items()
    }


def test_every_rpc_has_exactly_one_rule_and_every_rule_an_rpc() -> None:
    methods, rules = set(contract_methods()), set(matrix())
    assert methods - rules == set(), "RPCs without a permission rule"
    assert rules - methods == set(), "rules for RPCs that do not exist"


@dataclass(frozen=True)
class Persona:
    """Who calls: a person (roles, account status) and/or a workload identity."""

    name: str
    roles: tuple[str, ...] = ()
    status: str = "approved"
    service: str | None = None

    @property
    def person(self) -> bool:
        return bool(self.roles)


PERSONAS = [
    Persona("nobody"),
    Persona("pending resident", ("applicant",), status="pending"),
    Persona("resident", ("applicant",)),
    Persona("executor", ("executor",)),
    Persona("inspector", ("inspector",)),
    Persona("manager", ("manager",)),
    Persona("admin", ("admin",)),
    *(
        Persona(f"{name} service", service=name)
        for name in ("bot", "auth", "users", "requests", "shifts", "notifications")
    ),
]


def expected(spec: Any, who: Persona) -> bool:
    """The matrix's answer, read from its YAML independently of kit.rbac."""
    if spec == "public":
        return True
    if spec == "signed_in":
        return who.person
    if who.service is not None and who.service in spec.get("services", []):
        return True
    if not who.person or "roles" not in spec:
        return False
    if who.status != "approved" and not spec.get("pending", False):
        return False
    if spec["roles"] == "any":
        return True
    held = set(who.roles) | ({"manager"} if "admin" in who.roles else set())
    return bool(held & set(spec["roles"]))


@pytest.fixture(scope="module")
async def world(
    postgres_server_url: str, nats_server_url: str, pki_dir: Path, tmp_path_factory: Any
) -> AsyncIterator[tuple[Stack, dict[str, tuple[tuple[str, str], ...]]]]:
    """The running mesh and, per persona, the metadata that acts as them."""
    async with fresh_database(postgres_server_url) as database_url:
        work = tmp_path_factory.mktemp("permissions")
        async with mesh_behind_envoy(database_url, nats_server_url, pki_dir, work) as stack:
            tokens: dict[str, tuple[tuple[str, str], ...]] = {}
            for who in PERSONAS:
                if who.person and who.status == "approved":
                    tokens[who.name] = (await sign_in(stack, *who.roles)).metadata
            tokens["pending resident"] = await _pending_resident(stack)
            yield stack, tokens


async def _pending_resident(stack: Stack) -> tuple[tuple[str, str], ...]:
    from ukm.auth.v1 import auth_service_pb2 as auth_pb
    from ukm.auth.v1 import auth_service_pb2_grpc as auth_rpc

    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        auth = auth_rpc.AuthServiceStub(channel)
        email = "pending.resident@example.uz"
        await auth.Register(
            auth_pb.RegisterRequest(email=email, password=PASSWORD, full_name="Pending Resident")
        )
        answer = await auth.Login(auth_pb.LoginRequest(email=email, password=PASSWORD))
    return (("authorization", f"Bearer {answer.tokens.access_token}"),)


def _refused_by_matrix(error: grpc.aio.AioRpcError) -> bool:
    if error.code() not in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        return False
    if "Jwt" in (error.details() or ""):
        return True  # Envoy's edge: no token at all
    reasons = {d.reason for d in details_of(error) if hasattr(d, "reason")}
    return bool(reasons & MATRIX_REFUSALS)


async def _call(channel: grpc.aio.Channel, path: str, metadata: Any) -> bool:
    """Whether the permission check let the call through."""
    method = contract_methods()[path]
    request = symbol_database.Default().GetSymbol(method.input_type.lstrip("."))()
    response = symbol_database.Default().GetSymbol(method.output_type.lstrip("."))
    call = channel.unary_unary(
        path,
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=response.FromString,
    )
    try:
        await call(request, metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as error:
        return not _refused_by_matrix(error)
    return True


async def test_every_rpc_as_every_caller_matches_the_matrix(
    world: tuple[Stack, dict[str, tuple[tuple[str, str], ...]]],
) -> None:
    stack, tokens = world
    rules = matrix()
    mismatches: list[str] = []
    async with grpc.aio.insecure_channel(stack.edge_address) as edge:
        for who in PERSONAS:
            if who.service is not None:
                channel = channel_to(stack.settings, stack.mesh_address, who.service)
                metadata: Any = ()
            else:
                channel = edge
                metadata = tokens.get(who.name, ())
            try:
                for path, spec in sorted(rules.items()):
                    allowed = await _call(channel, path, metadata)
                    if allowed != expected(spec, who):
                        mismatches.append(
                            f"{who.name} → {path}: {'allowed' if allowed else 'refused'}"
                        )
            finally:
                if channel is not edge:
                    await channel.close()
    assert mismatches == []


async def test_nobody_gets_past_the_services_without_the_gateway_either(
    world: tuple[Stack, dict[str, tuple[tuple[str, str], ...]]],
) -> None:
    """Straight to the mesh listener with only a client certificate (no token): every method
    that needs a person refuses, because the services check, not only Envoy."""
    stack, _ = world
    rules = matrix()
    async with channel_to(stack.settings, stack.mesh_address, "operator") as channel:
        outcomes = await asyncio.gather(*(_call(channel, path, ()) for path in sorted(rules)))
    for (path, spec), allowed in zip(sorted(rules.items()), outcomes, strict=True):
        assert allowed == (spec == "public"), path
