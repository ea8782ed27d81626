"""The files under k8s/: rendering, checking, writing, and the dev overlay's Secret files."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from pathlib import Path

import yaml

from mesh.envoy import sds_files
from mesh.kubernetes.bot import (
    BOT,
    DEV_TELEGRAM_ENV,
    DEV_TELEGRAM_KEYS,
    DEV_TELEGRAM_TEMPLATE,
    WEBHOOK_COMPONENT,
    bot_objects,
    has_bot,
    webhook_component,
    webhook_objects,
)
from mesh.kubernetes.common import (
    DATABASE_NAME,
    DATABASE_USER,
    DEV_SECRETS,
    HAND_WRITTEN,
    HEADER,
    K8S_DIR,
    PKI_MOUNT,
    POSTGRES,
    POSTGRES_PORT,
    REDIS,
    REDIS_PORT,
    RESERVED_NAMES,
    Json,
    dns,
    sidecar_config_map,
)
from mesh.kubernetes.infrastructure import (
    nats_config,
    nats_objects,
    postgres_objects,
    redis_objects,
)
from mesh.kubernetes.overlays import (
    base_kustomization,
    bot_sidecar_folder,
    dev_kustomization,
    namespace,
    prod_certificates,
    prod_kustomization,
)
from mesh.kubernetes.policies import bot_webhook_policy, network_policies, prod_network_policies
from mesh.kubernetes.workloads import (
    gateway_config,
    gateway_objects,
    service_objects,
    sidecar_config,
)
from mesh.pki import ensure_pki
from mesh.topology import Topology, load_topology
from services.kit.crypto import generate_data_key


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (inline patches) as literal blocks, readable in review."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def _dump(item: Json) -> str:
    return yaml.dump(item, Dumper=_Dumper, sort_keys=False, width=100)


def _yaml(*objects: Json) -> str:
    return HEADER + "---\n".join(_dump(item) for item in objects)


def render(topology: Topology | None = None) -> dict[str, str]:
    """Every generated file under k8s/, by path relative to it."""
    topology = topology or load_topology()
    clash = RESERVED_NAMES & set(topology.services)
    if clash:
        raise ValueError(f"service names reserved by the manifests: {sorted(clash)}")
    files = {
        "base/kustomization.yaml": _yaml(base_kustomization(topology)),
        "base/namespace.yaml": _yaml(namespace()),
        "base/network-policies.yaml": _yaml(*network_policies(topology)),
        "base/nats.yaml": _yaml(*nats_objects()),
        "base/nats/nats.conf": nats_config(),
        "base/gateway.yaml": _yaml(*gateway_objects(topology)),
        "base/gateway/envoy.yaml": HEADER + _dump(gateway_config(topology)),
        # Where the gateway finds its certificate and the CA (re-read when cert-manager renews).
        **{
            f"base/gateway/{name}": HEADER + _dump(content)
            for name, content in sds_files(Path(PKI_MOUNT)).items()
        },
        "overlays/dev/kustomization.yaml": _yaml(dev_kustomization(topology)),
        "overlays/dev/postgres.yaml": _yaml(*postgres_objects(topology)),
        "overlays/dev/redis.yaml": _yaml(*redis_objects(topology)),
        "overlays/dev/.gitignore": (
            "# Written by `python -m mesh.kubernetes dev-secrets`: keys and passwords.\n"
            f"/{DEV_SECRETS}/\n"
        ),
        "overlays/prod/kustomization.yaml": _yaml(prod_kustomization(topology)),
        "overlays/prod/certificates.yaml": _yaml(*prod_certificates(topology)),
        "overlays/prod/network-policies.yaml": _yaml(*prod_network_policies(topology)),
    }
    for name, service in topology.services.items():
        files[f"base/services/{name}.yaml"] = _yaml(*service_objects(topology, service))
        if service.calls:
            files |= _sidecar_files(topology, name, f"base/services/{sidecar_config_map(name)}")
    if has_bot(topology):
        files["base/bot.yaml"] = _yaml(*bot_objects(topology))
        files |= _sidecar_files(topology, BOT, f"base/{bot_sidecar_folder()}")
        files[f"{WEBHOOK_COMPONENT}/kustomization.yaml"] = _yaml(webhook_component())
        files[f"{WEBHOOK_COMPONENT}/bot-webhook.yaml"] = _yaml(
            *webhook_objects(), bot_webhook_policy()
        )
    return dict(sorted(files.items()))


def _sidecar_files(topology: Topology, identity: str, folder: str) -> dict[str, str]:
    """A sidecar's Envoy config and SDS files (the ConfigMap `<identity>-mesh-proxy`)."""
    files = {f"{folder}/envoy.yaml": HEADER + _dump(sidecar_config(topology, identity))}
    for file_name, content in sds_files(Path(PKI_MOUNT), identity).items():
        files[f"{folder}/{file_name}"] = HEADER + _dump(content)
    return files


def _generated_on_disk(directory: Path) -> set[str]:
    """Files under `directory` that carry the generated header (or are the dev .gitignore)."""
    found = set()
    for path in directory.rglob("*"):
        relative = path.relative_to(directory).as_posix()
        if not path.is_file() or relative in HAND_WRITTEN or f"/{DEV_SECRETS}/" in relative:
            continue
        if relative.endswith(".gitignore") or path.read_text(errors="replace").startswith(HEADER):
            found.add(relative)
    return found


def differences(directory: Path = K8S_DIR, topology: Topology | None = None) -> list[str]:
    """What `write` would change: missing, stale and left-over generated files."""
    expected = render(topology)
    problems = []
    for relative, text in expected.items():
        path = directory / relative
        if not path.exists():
            problems.append(f"missing: k8s/{relative}")
        elif path.read_text() != text:
            problems.append(f"stale: k8s/{relative}")
    for relative in sorted(_generated_on_disk(directory) - set(expected)):
        problems.append(f"left over: k8s/{relative}")
    return problems


def write(directory: Path = K8S_DIR, topology: Topology | None = None) -> list[str]:
    """Render into `directory`: write changed files, delete generated files no longer rendered.
    Returns the relative paths that changed."""
    expected = render(topology)
    changed = []
    for relative, text in expected.items():
        path = directory / relative
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(relative)
    for relative in sorted(_generated_on_disk(directory) - set(expected)):
        (directory / relative).unlink()
        changed.append(relative)
    return changed


# --- dev secrets -----------------------------------------------------------------------------


def write_dev_secrets(topology: Topology | None = None, directory: Path | None = None) -> Path:
    """The files the dev overlay's secretGenerator reads (git-ignored): a mesh PKI from
    `mesh.pki.ensure_pki` (renewed when due), random PostgreSQL/Redis passwords (kept once
    made) and the URLs the services get. Idempotent; returns the folder."""
    topology = topology or load_topology()
    folder = directory or K8S_DIR / "overlays" / "dev" / DEV_SECRETS
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    ensure_pki(topology, folder / "pki")
    passwords = {name: _keep_or_make(folder / f"{name}-password") for name in (POSTGRES, REDIS)}
    urls = {
        "database-url": (
            f"postgresql+asyncpg://{DATABASE_USER}:{passwords[POSTGRES]}@{dns(POSTGRES)}:"
            f"{POSTGRES_PORT}/{DATABASE_NAME}"
        ),
        "redis-url": f"redis://:{passwords[REDIS]}@{dns(REDIS)}:{REDIS_PORT}/0",
    }
    for key, value in urls.items():
        _write_private(folder / key, value)
    # Personal data is encrypted with these (kit.crypto); losing them loses that data.
    _keep_or_make(folder / "data-keys", generate_data_key)
    # Provider credentials only a developer can bring: a commented template, never a value.
    _keep_or_make(folder / DEV_TELEGRAM_ENV, lambda: DEV_TELEGRAM_TEMPLATE)
    check_env_file(folder / DEV_TELEGRAM_ENV, DEV_TELEGRAM_KEYS)
    return folder


def check_env_file(path: Path, allowed: Collection[str]) -> dict[str, str]:
    """The `key=value` lines of a kustomize env file a developer edits, refused with a message
    that says what to fix when kustomize would make a wrong Secret of it: an unknown (or
    mistyped, or space-padded) key, or an empty value — an empty token still counts as a token
    to the services, where a missing key means "not configured"."""
    found = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, equals, value = line.lstrip().partition("=")
        where = f"{path}:{number}"
        if not equals or key not in allowed:
            known = ", ".join(sorted(allowed))
            raise ValueError(f"{where}: expected `<key>=<value>` with a key of: {known}")
        if not value.strip():
            raise ValueError(f"{where}: {key} has no value; set one or comment the line out")
        found[key] = value
    return found


def _keep_or_make(path: Path, make: Callable[[], str] = lambda: secrets.token_hex(24)) -> str:
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    value = make()
    _write_private(path, value)
    return value


def _write_private(path: Path, value: str) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(value)
