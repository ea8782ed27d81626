"""Manifests, the Envoy configs (gateway on Kubernetes, local `make up`) and the local supervisor
agree: the same services, ports and identities, all from the one topology."""

from __future__ import annotations

from pathlib import Path

import yaml
from cryptography import x509
from pydantic_settings import BaseSettings

from bot.settings import BotSettings
from mesh import kubernetes as k8s
from mesh.environment import service_env
from mesh.envoy import cluster_name, render_envoy_config
from mesh.envoy.jwt import JWKS_CLUSTER
from mesh.envoy.sidecar import SIDECAR_PORT
from mesh.supervisor import DESCRIPTOR, required_ports
from mesh.topology import Topology
from services.kit.settings import Settings
from services.notifications.channels.settings import ChannelSettings
from tests.k8s.manifests import Rendered, config_map_data, pod_spec


def _local_envoy(topology: Topology, pki_dir: Path) -> dict:
    return render_envoy_config(topology, pki_dir=pki_dir, descriptor_path=DESCRIPTOR)


def _gateway_envoy(overlay: Rendered) -> dict:
    config: dict = yaml.safe_load(config_map_data(overlay, "envoy-config")["envoy.yaml"])
    return config


def _clusters(config: dict) -> dict[str, dict]:
    return {c["name"]: c for c in config["static_resources"]["clusters"]}


def _listeners(config: dict) -> dict[str, dict]:
    return {item["name"]: item for item in config["static_resources"]["listeners"]}


def test_same_services_everywhere(overlay: Rendered, topology: Topology, pki_dir: Path) -> None:
    names = set(topology.services)
    deployments = {
        d["metadata"]["name"]
        for d in overlay.of_kind("Deployment")
        if d["metadata"]["labels"]["app.kubernetes.io/component"] == "service"
    }
    assert deployments == names
    expected_clusters = {cluster_name(n) for n in names} | {JWKS_CLUSTER}
    assert set(_clusters(_gateway_envoy(overlay))) == expected_clusters
    assert set(_clusters(_local_envoy(topology, pki_dir))) == expected_clusters
    local = {
        label.split()[0]
        for label in required_ports(topology, embedded_nats=True)
        if label.endswith(" gRPC")
    }
    assert local == names


def test_same_ports(overlay: Rendered, topology: Topology, tmp_path: Path) -> None:
    urls = {"database": "postgresql+asyncpg://x@/y", "redis": "redis://x", "nats": "nats://x"}
    local_ports = required_ports(topology, embedded_nats=True)
    for name, service in topology.services.items():
        local = service_env(topology, name, root=tmp_path, urls=urls)
        kube = config_map_data(overlay, k8s.env_config_map(name))
        for variable, port in (
            ("UKM_GRPC_PORT", service.grpc_port),
            ("UKM_OPS_PORT", service.ops_port),
        ):
            assert local[variable] == kube[variable] == str(port)
        assert local_ports[f"{name} gRPC"] == service.grpc_port
        main = pod_spec(overlay.get("Deployment", name))["containers"][0]
        assert {p["name"]: p["containerPort"] for p in main["ports"]} == {
            "grpc": service.grpc_port,
            "ops": service.ops_port,
        }
        address = _clusters(_gateway_envoy(overlay))[cluster_name(name)]["load_assignment"][
            "endpoints"
        ][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
        assert address["port_value"] == service.grpc_port
    gateway = _listeners(_gateway_envoy(overlay))
    edge = topology.edge
    for listener, port in (
        ("edge_http", edge.http_port),
        ("edge_https", edge.https_port),
        ("mesh", edge.mesh_port),
    ):
        assert gateway[listener]["address"]["socket_address"]["port_value"] == port
        assert (
            local_ports[
                {
                    "edge_http": "Envoy edge (HTTP)",
                    "edge_https": "Envoy edge (HTTPS)",
                    "mesh": "Envoy mesh (mTLS)",
                }[listener]
            ]
            == port
        )
    for name, service in topology.services.items():
        mesh_address = config_map_data(overlay, k8s.env_config_map(name))["UKM_MESH_ADDRESS"]
        # A service that calls others dials its own sidecar; the rest would use the gateway.
        expected = (
            f"127.0.0.1:{SIDECAR_PORT}"
            if service.calls
            else f"{k8s.dns(k8s.GATEWAY_IDENTITY)}:{edge.mesh_port}"
        )
        assert mesh_address == expected


# Set by `make up` only: the development outbox file that `ukm outbox` reads on this machine.
LOCAL_ONLY = {"UKM_NOTIFY_DEV_OUTBOX"}


def _variables(settings: type[BaseSettings]) -> set[str]:
    return {f"UKM_{field.upper()}" for field in settings.model_fields}


def test_same_setting_names(overlay: Rendered, topology: Topology, tmp_path: Path) -> None:
    """Kubernetes sets every `UKM_*` variable the supervisor sets, and only real settings (the
    notifications service's also its channels')."""
    urls = {"database": "d", "redis": "r", "nats": "n"}
    for name in topology.services:
        local = {
            k for k in service_env(topology, name, root=tmp_path, urls=urls) if k.startswith("UKM_")
        }
        main = pod_spec(overlay.get("Deployment", name))["containers"][0]
        kube = set(config_map_data(overlay, k8s.env_config_map(name)))
        kube |= {variable["name"] for variable in main["env"]}
        assert local - LOCAL_ONLY <= kube, f"{name}: Kubernetes lacks {sorted(local - kube)}"
        fields = _variables(Settings)
        if name == k8s.PROVIDER_SERVICE:
            fields |= _variables(ChannelSettings)
        assert kube <= fields, f"{name}: not settings: {sorted(kube - fields)}"
        assert not kube & LOCAL_ONLY


def test_bot_setting_names(overlay: Rendered) -> None:
    """Every variable the bot's pod gets is a BotSettings field, and its ConfigMap (with the
    Secret values it needs) makes settings the bot accepts: long polling, the sidecar."""
    main = pod_spec(overlay.get("Deployment", k8s.BOT))["containers"][0]
    data = config_map_data(overlay, k8s.env_config_map(k8s.BOT))
    names = set(data) | {variable["name"] for variable in main["env"]}
    assert names <= _variables(BotSettings), sorted(names - _variables(BotSettings))
    fields = {key.removeprefix("UKM_").lower(): value for key, value in data.items()}
    settings = BotSettings.model_validate({**fields, "telegram_bot_token": "1:x"})
    assert not settings.webhook_mode and not settings.custom_api
    assert settings.mesh_address == f"127.0.0.1:{SIDECAR_PORT}"
    assert str(settings.pki_dir) == k8s.PKI_MOUNT


def _san_uris(config: dict, cluster: str) -> list[str]:
    tls = _clusters(config)[cluster]["transport_socket"]["typed_config"]
    return [m["matcher"]["exact"] for m in _validation(tls)["match_typed_subject_alt_names"]]


def _validation(tls: dict) -> dict:
    return tls["common_tls_context"]["combined_validation_context"]["default_validation_context"]


def _mesh_allow_list(config: dict) -> list[str]:
    tls = _listeners(config)["mesh"]["filter_chains"][0]["transport_socket"]["typed_config"]
    return [m["matcher"]["exact"] for m in _validation(tls)["match_typed_subject_alt_names"]]


def test_same_identities(
    overlay: Rendered, prod: Rendered, topology: Topology, pki_dir: Path
) -> None:
    gateway, local = _gateway_envoy(overlay), _local_envoy(topology, pki_dir)
    for name in topology.services:
        expected = [topology.spiffe_id(name)]
        assert _san_uris(gateway, cluster_name(name)) == _san_uris(local, cluster_name(name))
        assert _san_uris(gateway, cluster_name(name)) == expected
    assert _mesh_allow_list(gateway) == _mesh_allow_list(local)
    assert set(_mesh_allow_list(gateway)) == {topology.spiffe_id(n) for n in topology.identities}
    # Each pod mounts its own identity; prod certificates carry what mesh.pki issues locally.
    certificates = {c["spec"]["secretName"]: c["spec"] for c in prod.of_kind("Certificate")}
    for identity in k8s.cluster_identities(topology):
        volume = next(
            v
            for v in pod_spec(overlay.get("Deployment", identity))["volumes"]
            if v["name"] == "pki"
        )
        assert volume["secret"]["secretName"].startswith(k8s.pki_secret(identity))
        spec = certificates[k8s.pki_secret(identity)]
        leaf = x509.load_pem_x509_certificate((pki_dir / f"{identity}.crt").read_bytes())
        sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert (
            spec["uris"]
            == [str(u) for u in sans.get_values_for_type(x509.UniformResourceIdentifier)]
            == [topology.spiffe_id(identity)]
        )
        assert set(spec["dnsNames"]) == set(sans.get_values_for_type(x509.DNSName))
        assert k8s.dns(identity) in spec["dnsNames"]
        assert set(spec["ipAddresses"]) == {
            str(ip) for ip in sans.get_values_for_type(x509.IPAddress)
        }


def test_kubernetes_service_names_are_in_the_certificates(
    overlay: Rendered, topology: Topology, pki_dir: Path
) -> None:
    """Callers dial `<name>.ukm.svc`: the leaf must carry that DNS name for TLS to verify. (The
    bot serves nothing in the mesh; its webhook Service is plain HTTP behind the ingress.)"""
    for identity in k8s.cluster_identities(topology):
        if identity == k8s.BOT:
            assert not [s for s in overlay.of_kind("Service") if s["metadata"]["name"] == k8s.BOT]
            continue
        assert overlay.get("Service", identity)
        leaf = x509.load_pem_x509_certificate((pki_dir / f"{identity}.crt").read_bytes())
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert k8s.dns(identity) in names.get_values_for_type(x509.DNSName)


def test_migrations_and_streams_follow_the_topology(overlay: Rendered, topology: Topology) -> None:
    for name, service in topology.services.items():
        init = pod_spec(overlay.get("Deployment", name)).get("initContainers", [])
        if not (service.schema or service.stream):
            assert init == []
            continue
        (prepare,) = init
        assert "command" not in prepare  # the image's entrypoint: `ukm`
        assert prepare["args"] == ["migrate", name, "--stream-replicas", str(k8s.STREAM_REPLICAS)]
        secrets = {variable["name"] for variable in prepare.get("env", [])}
        assert secrets == ({"UKM_DATABASE_URL"} if service.schema else set())
