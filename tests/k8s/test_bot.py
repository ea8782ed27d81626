"""The Telegram bot on Kubernetes: its objects in both overlays, one long-polling replica, its
container (settings, Secret references, restricted security, probes), its sidecar, the flows its
NetworkPolicies allow and refuse, the dev token file, the webhook component, and the bot's pod
run as a process here (polls a local Bot API, probes pass and fail as they should, stops on
SIGTERM)."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
import signal
import subprocess
import time
from pathlib import Path

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from mesh import kubernetes as k8s
from mesh.envoy import SIDECAR_PORT, sds_files, validate_envoy_config
from mesh.infra import EmbeddedRedis
from mesh.kubernetes.bot import DEV_TELEGRAM_TEMPLATE, LIVENESS_SCRIPT, READINESS_SCRIPT
from mesh.kubernetes.common import SIDECAR_CONFIG_MOUNT, sidecar_config_map
from mesh.kubernetes.files import check_env_file
from mesh.topology import Client, Topology, load_topology
from tests.k8s.manifests import (
    PUBLIC_IP,
    Obj,
    Rendered,
    admits_from_outside,
    allows,
    allows_external,
    config_map_data,
    container_argv,
    container_environment,
    exec_probe_argv,
    kustomize,
    matches,
    mount_pki,
    pod_labels,
    pod_spec,
    unhashed,
)
from tests.support.telegram_api import running_bot_api

ROOT = Path(__file__).resolve().parents[2]
BOT = k8s.BOT


def _bot(overlay: Rendered) -> Obj:
    return overlay.get("Deployment", BOT)


def _main(overlay: Rendered) -> Obj:
    main: Obj = pod_spec(_bot(overlay))["containers"][0]
    assert main["name"] == BOT
    return main


def _names(overlay: Rendered) -> set[tuple[str, str]]:
    return {(o["kind"], unhashed(o["metadata"]["name"])) for o in overlay.objects}


# --- what is rendered ----------------------------------------------------------------------


def test_the_bot_is_rendered_in_both_overlays(overlay: Rendered) -> None:
    names = _names(overlay)
    expected = {
        ("ServiceAccount", BOT),
        ("Deployment", BOT),
        ("ConfigMap", k8s.env_config_map(BOT)),
        ("ConfigMap", sidecar_config_map(BOT)),
        ("NetworkPolicy", BOT),
    }
    if overlay.overlay == "prod":
        expected |= {("Certificate", k8s.pki_secret(BOT)), ("NetworkPolicy", "bot-external-data")}
    else:
        expected |= {("Secret", k8s.pki_secret(BOT)), ("Secret", k8s.bot_secret())}
    assert expected <= names, sorted(expected - names)
    # Long polling: nothing to serve, nothing to scale, no budget for a singleton.
    for kind in ("Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert (kind, BOT) not in names, kind


def test_exactly_one_poller_replaced_by_stopping_the_old_one_first(overlay: Rendered) -> None:
    """Telegram gives a token's updates to one getUpdates at a time: a second poller (or a
    rolling update's surge pod) gets 409 Conflict."""
    spec = _bot(overlay)["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    if overlay.overlay == "prod":  # webhook replicas spread like every workload
        assert pod_spec(_bot(overlay))["affinity"]["podAntiAffinity"]


def test_the_bot_container(overlay: Rendered) -> None:
    main, pod = _main(overlay), pod_spec(_bot(overlay))
    if overlay.overlay == "prod":
        assert main["args"] == ["bot"] and "command" not in main  # the image's `ukm`
        assert main["image"] == f"{k8s.PROD_IMAGE}:{k8s.project_version()}"
        assert main["securityContext"]["readOnlyRootFilesystem"] is True
    else:
        assert main["command"] == ["watchfiles"] and "ukm bot" in main["args"]
    assert "ports" not in main, "a polling bot listens nowhere"
    secret_refs = {
        v["name"]: (
            unhashed(v["valueFrom"]["secretKeyRef"]["name"]),
            v["valueFrom"]["secretKeyRef"]["key"],
            v["valueFrom"]["secretKeyRef"].get("optional", False),
        )
        for v in main["env"]
    }
    secret = k8s.bot_secret()
    assert secret_refs == {
        "UKM_TELEGRAM_BOT_TOKEN": (secret, "telegram-bot-token", False),
        "UKM_REDIS_URL": (secret, "redis-url", False),
        "UKM_BOT_WEBHOOK_SECRET": (secret, "bot-webhook-secret", True),
    }
    assert [unhashed(s["configMapRef"]["name"]) for s in main["envFrom"]] == ["bot-env"]
    context = main["securityContext"]
    assert context["allowPrivilegeEscalation"] is False and context["runAsNonRoot"] is True
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["serviceAccountName"] == BOT and pod["automountServiceAccountToken"] is False
    mounts = {m["name"]: m for m in main["volumeMounts"]}
    assert mounts["pki"] == {"name": "pki", "mountPath": k8s.PKI_MOUNT, "readOnly": True}
    assert mounts["tmp"]["mountPath"] == "/tmp"
    # No database, no NATS: the bot's ConfigMap names neither.
    data = config_map_data(overlay, k8s.env_config_map(BOT))
    assert not {"UKM_DATABASE_URL", "UKM_NATS_URL"} & set(data)


def test_probes_look_at_the_process_and_readiness_at_redis(overlay: Rendered) -> None:
    main = _main(overlay)
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        command = main[probe]["exec"]["command"]
        assert command[:2] == ["python", "-I"], "isolated from the application's code"
        compile(command[-1], probe, "exec")
        assert main[probe]["timeoutSeconds"] >= 5
    # Liveness and startup never look at dependencies (an outage must not restart the pod).
    for probe in ("startupProbe", "livenessProbe"):
        script = main[probe]["exec"]["command"][-1]
        assert script == LIVENESS_SCRIPT and "redis" not in script and "socket" not in script
    assert main["readinessProbe"]["exec"]["command"][-1] == READINESS_SCRIPT
    assert "UKM_REDIS_URL" in READINESS_SCRIPT and "UKM_BOT_WEBHOOK_PORT" in READINESS_SCRIPT


def test_the_bot_dials_its_sidecar_which_presents_its_identity(
    overlay: Rendered, topology: Topology
) -> None:
    pod = pod_spec(_bot(overlay))
    assert [c["name"] for c in pod["containers"]] == [BOT, "mesh-proxy"]
    proxy = pod["containers"][1]
    data = config_map_data(overlay, k8s.env_config_map(BOT))
    assert data["UKM_MESH_ADDRESS"] == f"127.0.0.1:{proxy['ports'][0]['containerPort']}"
    assert proxy["ports"][0]["containerPort"] == SIDECAR_PORT
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert unhashed(volumes["sidecar"]["configMap"]["name"]) == sidecar_config_map(BOT)
    assert unhashed(volumes["pki"]["secret"]["secretName"]) == k8s.pki_secret(BOT)
    config = yaml.safe_load(config_map_data(overlay, sidecar_config_map(BOT))["envoy.yaml"])
    [listener] = config["static_resources"]["listeners"]
    tls = listener["filter_chains"][0]["transport_socket"]["typed_config"]
    context = tls["common_tls_context"]["combined_validation_context"]
    allowed = context["default_validation_context"]["match_typed_subject_alt_names"]
    assert [m["matcher"]["exact"] for m in allowed] == [topology.spiffe_id(BOT)]
    clusters = config["static_resources"]["clusters"]
    assert [c["name"] for c in clusters] == [f"svc_{name}" for name in topology.calls_of(BOT)]
    for cluster, callee in zip(clusters, topology.calls_of(BOT), strict=True):
        address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
        socket_address = address["address"]["socket_address"]
        assert socket_address == {
            "address": k8s.dns(callee),
            "port_value": topology.service(callee).grpc_port,
        }
    sds = yaml.safe_load(config_map_data(overlay, sidecar_config_map(BOT))["sds-certificate.yaml"])
    chain = sds["resources"][0]["tls_certificate"]["certificate_chain"]["filename"]
    assert chain == f"{k8s.PKI_MOUNT}/{BOT}.crt"


def test_the_bot_sidecar_config_is_valid_as_the_pod_runs_it(
    prod: Rendered, pki_dir: Path, tmp_path: Path
) -> None:
    mounted = mount_pki(_bot(prod), pki_dir, tmp_path / "pki")
    data = config_map_data(prod, sidecar_config_map(BOT))
    run = tmp_path / "sidecar"
    run.mkdir()
    for name in sds_files(Path(k8s.PKI_MOUNT), BOT):
        (run / name).write_text(data[name].replace(k8s.PKI_MOUNT, str(mounted)))
    (run / "envoy.yaml").write_text(data["envoy.yaml"].replace(SIDECAR_CONFIG_MOUNT, str(run)))
    validate_envoy_config(run / "envoy.yaml")


# --- network policies ----------------------------------------------------------------------


def _pods(overlay: Rendered) -> dict[str, dict[str, str]]:
    return {w["metadata"]["name"]: pod_labels(w) for w in overlay.workloads()}


def test_the_bot_reaches_exactly_its_callees_redis_and_the_internet(
    overlay: Rendered, topology: Topology
) -> None:
    policies, pods = overlay.of_kind("NetworkPolicy"), _pods(overlay)
    bot = pods[BOT]
    for name, service in topology.services.items():
        callee = name in topology.calls_of(BOT)
        # Through the sidecar straight to the callee's pods, as the services' calls.
        assert allows(policies, bot, pods[name], service.grpc_port) == callee, name
        assert not allows(policies, bot, pods[name], service.ops_port), name
    assert not allows(policies, bot, pods[k8s.GATEWAY_IDENTITY], topology.edge.mesh_port)
    assert not allows(policies, bot, pods[k8s.NATS], k8s.NATS_CLIENT_PORT)
    if overlay.overlay == "dev":
        assert allows(policies, bot, pods[k8s.REDIS], k8s.REDIS_PORT)
        assert not allows(policies, bot, pods[k8s.POSTGRES], k8s.POSTGRES_PORT)
    else:  # managed Redis outside the cluster, and no database
        assert allows_external(policies, bot, "10.20.0.5", k8s.REDIS_PORT)
        assert not allows_external(policies, bot, "10.20.0.5", k8s.POSTGRES_PORT)
    # api.telegram.org over HTTPS; not plain HTTP, not SMTP, not private addresses on 443.
    assert allows_external(policies, bot, PUBLIC_IP, 443)
    for port in (80, 587, 8443):
        assert not allows_external(policies, bot, PUBLIC_IP, port), port
    for private in ("10.96.0.1", "172.20.1.1", "192.168.1.10", "169.254.169.254"):
        assert not allows_external(policies, bot, private, 443), private


def test_nothing_reaches_the_polling_bot(overlay: Rendered, topology: Topology) -> None:
    policies, pods = overlay.of_kind("NetworkPolicy"), _pods(overlay)
    for name, pod in pods.items():
        if name == BOT:
            continue
        for port in (SIDECAR_PORT, k8s.WEBHOOK_PORT, 15000):
            assert not allows(policies, pod, pods[BOT], port), (name, port)


def test_only_notifications_and_the_bot_reach_the_internet(
    overlay: Rendered, topology: Topology
) -> None:
    policies, pods = overlay.of_kind("NetworkPolicy"), _pods(overlay)
    sender = pods[k8s.PROVIDER_SERVICE]
    # Bot API and SMS gateway over HTTPS, mail on submission; nothing else, nothing private.
    for port in k8s.PROVIDER_PORTS:
        assert allows_external(policies, sender, PUBLIC_IP, port), port
        assert not allows_external(policies, sender, "10.1.2.3", port), port
    for port in (25, 80, 465):
        assert not allows_external(policies, sender, PUBLIC_IP, port), port
    for name, pod in pods.items():
        if name not in (BOT, k8s.PROVIDER_SERVICE):
            assert not allows_external(policies, pod, PUBLIC_IP, 443), name


# --- the notifications service's providers ---------------------------------------------------


def _notifications(overlay: Rendered) -> Obj:
    main: Obj = pod_spec(overlay.get("Deployment", k8s.PROVIDER_SERVICE))["containers"][0]
    return main


def test_provider_credentials_are_optional_secret_keys(overlay: Rendered) -> None:
    refs = {v["name"]: v["valueFrom"]["secretKeyRef"] for v in _notifications(overlay)["env"]}
    secret = k8s.service_secret(k8s.PROVIDER_SERVICE)
    for variable, key in k8s.PROVIDER_SECRET_ENV.items():
        assert unhashed(refs[variable]["name"]) == secret
        assert refs[variable]["key"] == key and refs[variable]["optional"] is True
    # The data stores and keys stay required.
    for variable in ("UKM_DATABASE_URL", "UKM_REDIS_URL", "UKM_DATA_KEYS"):
        assert "optional" not in refs[variable], variable
    assert {"UKM_TELEGRAM_BOT_TOKEN", "UKM_SMTP_PASSWORD", "UKM_SMS_API_KEY"} <= set(refs)


def test_providers_are_configured_only_once_their_credentials_come(overlay: Rendered) -> None:
    from services.notifications.channels.settings import ChannelSettings

    data = config_map_data(overlay, k8s.env_config_map(k8s.PROVIDER_SERVICE))
    provider = {k: data[k] for k in k8s.PROVIDER_SETTINGS}
    assert provider["UKM_SMTP_PORT"] == "587" and provider["UKM_SMTP_HOST"] == ""
    assert provider["UKM_TELEGRAM_API_BASE"] == "https://api.telegram.org"
    fields = {k.removeprefix("UKM_").lower(): v for k, v in provider.items()}
    bare = ChannelSettings.model_validate(fields)
    assert not (bare.telegram_configured or bare.email_configured or bare.sms_configured)
    # What the operator adds: the Secret's keys (and the relay's host in the ConfigMap).
    credentials = {
        "telegram_bot_token": "1:x",
        "smtp_host": "smtp.example.com",
        "smtp_username": "ukm",
        "smtp_password": "p",
        "sms_login": "ops@example.com",
        "sms_api_key": "k",
    }
    full = ChannelSettings.model_validate({**fields, **credentials})
    assert full.telegram_configured and full.email_configured and full.sms_configured


def test_the_renderer_refuses_provider_settings_the_service_would_not_start_with() -> None:
    with pytest.raises(ValueError, match="not a channel setting"):
        k8s.providers.check_provider_settings({"UKM_SMTP_HOSTNAME": "x"})
    # An empty username is a username without a password: why it is an optional Secret key.
    with pytest.raises(ValueError, match="SMTP_PASSWORD"):
        k8s.providers.check_provider_settings({"UKM_SMTP_USERNAME": ""})


# --- the dev overlay: how a developer brings a token ---------------------------------------


def test_dev_secrets_write_a_template_and_keep_the_developers_token(
    topology: Topology, tmp_path: Path
) -> None:
    folder = k8s.write_dev_secrets(topology, tmp_path / "secrets")
    env_file = folder / k8s.DEV_TELEGRAM_ENV
    assert env_file.read_text() == DEV_TELEGRAM_TEMPLATE
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert check_env_file(env_file, ["telegram-bot-token"]) == {}, "comments only, no value"
    env_file.write_text(DEV_TELEGRAM_TEMPLATE + "telegram-bot-token=123:abc\n")
    k8s.write_dev_secrets(topology, folder)
    assert env_file.read_text().endswith("telegram-bot-token=123:abc\n")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("telegram-bot-token=", "has no value"),
        ("telegram_bot_token=123:abc", "expected `<key>=<value>`"),
        ("telegram-bot-token =123:abc", "expected `<key>=<value>`"),
        ("123:abc", "expected `<key>=<value>`"),
    ],
)
def test_dev_secrets_refuse_a_token_file_kustomize_would_get_wrong(
    topology: Topology, tmp_path: Path, line: str, problem: str
) -> None:
    """An empty value would reach the pods as an empty token (the notifications service would
    think Telegram configured); a wrong key would silently leave the bot without one."""
    folder = tmp_path / "secrets"
    folder.mkdir()
    (folder / k8s.DEV_TELEGRAM_ENV).write_text(f"# a comment\n{line}\n")
    with pytest.raises(ValueError, match=rf"telegram\.env:2: .*{problem}"):
        k8s.write_dev_secrets(topology, folder)


def _dev_secret_keys(k8s_root: Path) -> dict[str, dict[str, str]]:
    rendered = kustomize(k8s_root / "overlays" / "dev")
    return {
        unhashed(o["metadata"]["name"]): o.get("data", {})
        for o in rendered
        if o["kind"] == "Secret"
    }


def test_the_dev_token_reaches_the_bot_and_notifications_only_when_set(
    k8s_copy: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "k8s"
    shutil.copytree(k8s_copy, copy)
    env_file = copy / "overlays" / "dev" / k8s.DEV_SECRETS / k8s.DEV_TELEGRAM_ENV
    assert env_file.read_text() == DEV_TELEGRAM_TEMPLATE
    notifications = k8s.service_secret(k8s.PROVIDER_SERVICE)
    before = _dev_secret_keys(copy)
    assert set(before[k8s.bot_secret()]) == {"redis-url"}
    assert "telegram-bot-token" not in before[notifications]  # absent: not configured
    env_file.write_text(DEV_TELEGRAM_TEMPLATE + "telegram-bot-token=123456:ABC-def\n")
    after = _dev_secret_keys(copy)
    token = after[k8s.bot_secret()]["telegram-bot-token"]
    assert token == after[notifications]["telegram-bot-token"]  # one bot, one token
    assert set(after[k8s.bot_secret()]) == {"redis-url", "telegram-bot-token"}
    # Only these two get it.
    holders = {name for name, data in after.items() if "telegram-bot-token" in data}
    assert holders == {k8s.bot_secret(), notifications}


# --- webhook mode: the component --------------------------------------------------------------

WEBHOOK_URL = "https://bot.example.com/telegram/webhook"


def _webhook_overlay(k8s_copy: Path, tmp_path: Path, *, url: bool) -> Rendered:
    """An operator's overlay: prod plus the component (and the public URL, when `url`)."""
    copy = tmp_path / "k8s"
    shutil.copytree(k8s_copy, copy)
    overlay = copy / "overlays" / "webhook"
    overlay.mkdir()
    kustomization: Obj = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": ["../prod"],
        "components": [f"../../{k8s.WEBHOOK_COMPONENT}"],
    }
    if url:
        kustomization["configMapGenerator"] = [
            {
                "name": k8s.env_config_map(BOT),
                "behavior": "merge",
                "literals": [f"UKM_BOT_WEBHOOK_URL={WEBHOOK_URL}"],
            }
        ]
    (overlay / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    return Rendered("webhook", kustomize(overlay))


@pytest.fixture(scope="module")
def webhook(k8s_copy: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    return _webhook_overlay(k8s_copy, tmp_path_factory.mktemp("webhook"), url=True)


def test_webhook_overlay_objects_pass_strict_validation(webhook: Rendered) -> None:
    for obj in webhook.objects:
        if obj["apiVersion"].startswith("cert-manager.io"):
            continue
        kubernetes_validate.validate(obj, "1.30", strict=True)


def test_webhook_mode_runs_replicas_behind_a_service(webhook: Rendered) -> None:
    deployment = webhook.get("Deployment", BOT)
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
    }
    labels = pod_labels(deployment)
    budget = webhook.get("PodDisruptionBudget", BOT)
    assert matches(budget["spec"]["selector"], labels) and budget["spec"]["maxUnavailable"] == 1
    service = webhook.get("Service", BOT)
    assert matches(service["spec"]["selector"], labels)
    main = pod_spec(deployment)["containers"][0]
    assert {p["name"]: p["containerPort"] for p in main["ports"]} == {"webhook": k8s.WEBHOOK_PORT}
    assert [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [
        ("webhook", k8s.WEBHOOK_PORT, "webhook")
    ]
    env = {v["name"]: v for v in main["env"]}
    secret_ref = env["UKM_BOT_WEBHOOK_SECRET"]["valueFrom"]["secretKeyRef"]
    assert secret_ref["key"] == "bot-webhook-secret" and secret_ref["optional"] is False
    url_ref = env["UKM_BOT_WEBHOOK_URL"]["valueFrom"]["configMapKeyRef"]
    data = config_map_data(webhook, k8s.env_config_map(BOT))
    assert url_ref["name"] == webhook.get("ConfigMap", k8s.env_config_map(BOT))["metadata"]["name"]
    assert data[url_ref["key"]] == WEBHOOK_URL
    # The settings the pod gets: webhook mode on every interface of the pod, port 8088.
    from bot.settings import BotSettings

    fields = {k.removeprefix("UKM_").lower(): v for k, v in data.items()}
    settings = BotSettings.model_validate(
        {**fields, "telegram_bot_token": "1:x", "bot_webhook_secret": "s"}
    )
    assert settings.webhook_mode and settings.bot_webhook_port == k8s.WEBHOOK_PORT
    assert settings.bot_webhook_host == "0.0.0.0"


def test_webhook_mode_opens_only_the_webhook_port(webhook: Rendered) -> None:
    """Telegram's POSTs come through the cluster's ingress controller (another namespace): the
    webhook port admits them; the sidecar and everything else stay closed, and no pod of ours
    (the gateway included) gains a way in."""
    policies, pods = webhook.of_kind("NetworkPolicy"), _pods(webhook)
    assert admits_from_outside(policies, pods[BOT], k8s.WEBHOOK_PORT)
    for port in (SIDECAR_PORT, 15000, 443):
        assert not admits_from_outside(policies, pods[BOT], port), port
    for name, pod in pods.items():
        if name != BOT:
            assert not allows(policies, pod, pods[BOT], k8s.WEBHOOK_PORT), name
    # Its egress is the polling bot's.
    assert allows_external(policies, pods[BOT], PUBLIC_IP, 443)
    assert not allows_external(policies, pods[BOT], PUBLIC_IP, 80)


def test_webhook_mode_without_a_url_does_not_start_two_pollers(
    k8s_copy: Path, tmp_path: Path
) -> None:
    """The component's pods need `UKM_BOT_WEBHOOK_URL` from `bot-env` (not optional): an
    overlay that forgets it gets pods that wait with CreateContainerConfigError instead of two
    replicas long-polling against each other."""
    rendered = _webhook_overlay(k8s_copy, tmp_path, url=False)
    main = pod_spec(rendered.get("Deployment", BOT))["containers"][0]
    ref = next(v for v in main["env"] if v["name"] == "UKM_BOT_WEBHOOK_URL")["valueFrom"]
    assert "optional" not in ref["configMapKeyRef"]
    assert ref["configMapKeyRef"]["key"] not in config_map_data(rendered, "bot-env")


# --- the topology ----------------------------------------------------------------------------


def test_the_topology_names_whom_the_bot_calls(topology: Topology, tmp_path: Path) -> None:
    assert topology.clients[BOT].calls == ("auth", "users", "requests", "shifts", "notifications")
    assert set(topology.callers_of("auth")) >= {BOT}
    assert topology.clients["operator"].calls == ()
    raw = yaml.safe_load((ROOT / "mesh" / "topology.yaml").read_text())
    raw["clients"][BOT]["calls"] = ["requests", "billing"]
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match="bot calls unknown service billing"):
        load_topology(path)


def test_a_topology_without_bot_calls_renders_no_bot(topology: Topology) -> None:
    """Backwards compatible: a `bot` client without `calls` (or none at all) is no workload."""
    quiet = dataclasses.replace(topology, clients={**topology.clients, BOT: Client(BOT, "svc")})
    files = k8s.render(quiet)
    assert not [f for f in files if "bot" in f]
    assert "bot.yaml" not in k8s.base_kustomization(quiet)["resources"]
    assert BOT not in k8s.cluster_identities(quiet)
    policies = k8s.network_policies(quiet)
    assert BOT not in {p["metadata"]["name"] for p in policies}


# --- the bot's pod as a process ------------------------------------------------------------


def _start(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=log)


def _run_probe(container: Obj, probe: str, env: dict[str, str], pid: int) -> int:
    """The kubelet's exec probe, here: PID 1 of the pod is the bot process."""
    argv = exec_probe_argv(container, probe)
    argv[-1] = argv[-1].replace("/proc/1/", f"/proc/{pid}/")
    timeout = container[probe]["timeoutSeconds"]
    return subprocess.run(
        argv, env=env, capture_output=True, timeout=timeout, check=False
    ).returncode


async def test_the_bot_pod_polls_is_ready_and_stops(
    prod: Rendered, pki_dir: Path, tmp_path: Path
) -> None:
    """The prod bot container with its exact arguments and environment, except for the Bot API
    (a local one), the Secret values and the PKI volume (a local folder laid out like it)."""
    redis = EmbeddedRedis(tmp_path / "redis", durable=False)
    redis.start()
    deployment = _bot(prod)
    main = _main(prod)
    mounted = mount_pki(deployment, pki_dir, tmp_path / "pki")
    log_path = tmp_path / "bot.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        async with running_bot_api() as api:
            secrets = {
                (k8s.bot_secret(), "telegram-bot-token"): api.token,
                (k8s.bot_secret(), "redis-url"): redis.url,
            }
            overrides = {"UKM_TELEGRAM_API_BASE": api.base_url, "UKM_PKI_DIR": str(mounted)}
            env = container_environment(prod, main, secrets, overrides)
            assert "UKM_BOT_WEBHOOK_SECRET" not in env and "UKM_BOT_WEBHOOK_URL" not in env
            process = await asyncio.to_thread(_start, container_argv(main), env, log_path)
            pid = process.pid
            startup = main["startupProbe"]
            budget = startup["periodSeconds"] * startup["failureThreshold"]
            deadline = time.monotonic() + budget
            while not api.calls_to("getUpdates"):
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the bot never polled:\n" + log_path.read_text()
                await asyncio.sleep(0.1)
            assert api.calls_to("deleteWebhook"), "polling mode clears a webhook first"
            assert {call.token for call in api.calls} == {api.token}
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert await asyncio.to_thread(_run_probe, main, probe, env, pid) == 0, probe
            # Redis away: not ready, but alive (no restart for a dependency outage).
            redis.stop()
            assert await asyncio.to_thread(_run_probe, main, "readinessProbe", env, pid) != 0
            assert await asyncio.to_thread(_run_probe, main, "livenessProbe", env, pid) == 0
            assert process.poll() is None, log_path.read_text()
            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            grace = pod_spec(deployment)["terminationGracePeriodSeconds"]
            code = await asyncio.to_thread(process.wait, grace)
            assert code == 0, log_path.read_text()
            assert time.monotonic() - started < grace
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        redis.stop()
