"""The Tiltfile evaluates (starlark-pyo3, stub Tilt builtins that record every call), every path
it names exists, its commands parse, and its resources match the dev overlay; ctlptl.yaml
agrees with it."""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import starlark
import yaml

from mesh import kubernetes as k8s
from mesh.kubernetes.bot import DEV_TELEGRAM_TEMPLATE
from mesh.topology import Topology
from tests.k8s.manifests import Rendered

ROOT = Path(__file__).resolve().parents[2]
TRIGGER_MODE_MANUAL = 1


@dataclass
class Tilt:
    """What the Tiltfile asked Tilt to do."""

    calls: dict[str, list[tuple[tuple[Any, ...], dict[str, Any]]]] = field(default_factory=dict)
    paths: set[str] = field(default_factory=set)

    def record(self, builtin: str, /, *args: Any, **kwargs: Any) -> None:
        self.calls.setdefault(builtin, []).append((args, kwargs))

    def one(self, name: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
        assert len(self.calls.get(name, [])) == 1, f"{name} called {self.calls.get(name)}"
        return self.calls[name][0]

    def resources(self) -> dict[str, dict[str, Any]]:
        """Workload resources (k8s_resource(workload, …)) by name."""
        return {args[0]: kwargs for args, kwargs in self.calls.get("k8s_resource", []) if args}

    def groups(self) -> dict[str, dict[str, Any]]:
        """Resources made of objects (k8s_resource(new_name=…, objects=[…]))."""
        return {
            kwargs["new_name"]: kwargs
            for args, kwargs in self.calls.get("k8s_resource", [])
            if not args
        }

    def local_resources(self) -> dict[str, dict[str, Any]]:
        return {args[0]: kwargs for args, kwargs in self.calls.get("local_resource", [])}


def evaluate(tiltfile: Path, files: dict[str, str] | None = None) -> Tilt:
    """Run the Tiltfile with recording builtins; `files` stands in for files that `read_file`
    reads (git-ignored ones, like the dev token file, whatever this machine has)."""
    tilt = Tilt()
    files = files or {}

    def path(value: str) -> str:
        tilt.paths.add(value)
        return value

    def recorder(builtin_name: str, result: Any = None, paths: tuple[int, ...] = ()) -> Any:
        def builtin(*args: Any, **kwargs: Any) -> Any:
            for index in paths:
                if index < len(args):
                    for item in args[index] if isinstance(args[index], list) else [args[index]]:
                        path(item)
            tilt.record(builtin_name, *args, **kwargs)
            return result(*args, **kwargs) if callable(result) else result

        return builtin

    def read_yaml(file: str, default: Any = None) -> Any:
        return yaml.safe_load((ROOT / path(file)).read_text())

    def read_file(file: str, default: str | None = None) -> str:
        # Not recorded as a required path: a missing file gives `default`, as in Tilt.
        tilt.record("read_file", file, default)
        if file in files:
            return files[file]
        assert default is not None, f"read_file({file!r}) without a default"
        return default

    def docker_build(ref: str, context: str, **kwargs: Any) -> None:
        path(context)
        path(kwargs.get("dockerfile", "Dockerfile"))
        for item in kwargs.get("only", []):
            path(item)
        tilt.record("docker_build", ref, context, **kwargs)

    def local_resource(resource: str, **kwargs: Any) -> None:
        for dep in kwargs.get("deps", []):
            path(dep)
        tilt.record("local_resource", resource, **kwargs)

    module = starlark.Module()
    builtins: dict[str, Any] = {
        "version_settings": recorder("version_settings"),
        "allow_k8s_contexts": recorder("allow_k8s_contexts"),
        "read_yaml": read_yaml,
        "read_file": read_file,
        "local": recorder("local", ""),
        "kustomize": recorder("kustomize", lambda p, **_: f"<kustomize {p}>", paths=(0,)),
        "k8s_yaml": recorder("k8s_yaml"),
        "docker_build": docker_build,
        "fall_back_on": recorder("fall_back_on", lambda f: {"fall_back_on": f}, paths=(0,)),
        "sync": recorder("sync", lambda src, dst: {"sync": [src, dst]}, paths=(0,)),
        "run": recorder("run", lambda cmd, **_: {"run": cmd}),
        "k8s_resource": recorder("k8s_resource"),
        "port_forward": recorder(
            "port_forward",
            lambda local, container=None, **kw: {"local": local, "container": container, **kw},
        ),
        "local_resource": local_resource,
    }
    for name, function in builtins.items():
        module.add_callable(name, function)
    module["TRIGGER_MODE_MANUAL"] = TRIGGER_MODE_MANUAL
    module["TRIGGER_MODE_AUTO"] = 0
    dialect = starlark.Dialect.extended()
    dialect.enable_top_level_stmt = True  # Tilt allows top-level for/if
    ast = starlark.parse("Tiltfile", tiltfile.read_text(), dialect)

    def no_extensions(name: str) -> starlark.FrozenModule:
        raise AssertionError(f"the Tiltfile loads {name}: no extensions (they need the network)")

    starlark.eval(module, ast, starlark.Globals.standard(), starlark.FileLoader(no_extensions))
    return tilt


TELEGRAM_ENV = f"k8s/overlays/dev/{k8s.DEV_SECRETS}/{k8s.DEV_TELEGRAM_ENV}"


@pytest.fixture(scope="module")
def tilt() -> Tilt:
    """The Tiltfile on a machine whose dev token file is still the template."""
    return evaluate(ROOT / "Tiltfile", {TELEGRAM_ENV: DEV_TELEGRAM_TEMPLATE})


def test_every_path_the_tiltfile_names_exists(tilt: Tilt) -> None:
    assert tilt.paths, "no paths recorded"
    missing = sorted(p for p in tilt.paths if not (ROOT / p).exists())
    assert not missing, f"the Tiltfile names missing paths: {missing}"


def _commands(tilt: Tilt) -> list[str]:
    commands = [args[0] for args, _ in tilt.calls.get("local", [])]
    commands += [kwargs["cmd"] for kwargs in tilt.local_resources().values()]
    return commands


def test_every_command_exists_and_parses(tilt: Tilt) -> None:
    commands = _commands(tilt)
    assert commands
    for command in commands:
        argv = shlex.split(command)
        assert (ROOT / argv[0]).exists(), f"{command}: {argv[0]} does not exist"
        # argparse answers --help (exit 0) only when the command and options before it are known.
        result = subprocess.run(
            [*argv, "--help"], cwd=ROOT, capture_output=True, text=True, check=False, timeout=60
        )
        assert result.returncode == 0, f"{command}: {result.stderr}"


def test_manifests_are_the_dev_overlay(tilt: Tilt) -> None:
    args, _ = tilt.one("kustomize")
    assert args[0] == "k8s/overlays/dev"
    assert tilt.one("k8s_yaml")[0] == ("<kustomize k8s/overlays/dev>",)
    assert "dev-secrets" in tilt.calls["local"][0][0][0], "Secret files first"


def test_one_image_with_live_update(tilt: Tilt, dev: Rendered, topology: Topology) -> None:
    args, kwargs = tilt.one("docker_build")
    assert args[0] == k8s.APP_IMAGE and kwargs["target"] == "dev"
    dockerfile = (ROOT / kwargs["dockerfile"]).read_text()
    assert " AS dev\n" in dockerfile
    steps = kwargs["live_update"]
    assert "fall_back_on" in steps[0], "fall_back_on must come first"
    synced = {step["sync"][0]: step["sync"][1] for step in steps if "sync" in step}
    for folder in ("services", "mesh", "gen", "bot"):
        assert synced[folder] == f"/app/{folder}"
    assert set(synced) <= set(kwargs["only"])
    # The dev bot restarts on synced code like the services.
    bot = dev.get("Deployment", k8s.BOT)["spec"]["template"]["spec"]["containers"][0]
    assert bot["command"] == ["watchfiles"] and "ukm bot" in bot["args"]
    watched = {a for a in bot["args"] if a.startswith("/app/")}
    assert {"/app/bot", "/app/services", "/app/mesh"} <= watched
    assert watched <= {*synced.values(), "/app/gen/python"}
    # The watcher in the dev containers watches what is synced and restarts `ukm serve`.
    for name in topology.services:
        main = dev.get("Deployment", name)["spec"]["template"]["spec"]["containers"][0]
        assert main["command"] == ["watchfiles"]
        assert f"ukm serve {name}" in main["args"]
        watched = {a for a in main["args"] if a.startswith("/app/")}
        assert watched <= {*synced.values(), "/app/gen/python"}
        assert {"/app/services", "/app/mesh"} <= watched


def test_resources_are_labelled_and_ordered(tilt: Tilt, dev: Rendered, topology: Topology) -> None:
    resources = tilt.resources()
    workloads = {w["metadata"]["name"] for w in dev.workloads()}
    assert set(resources) == workloads
    infra = {k8s.NATS, k8s.POSTGRES, k8s.REDIS}
    groups = tilt.groups()
    assert groups["namespace"]["objects"] == [f"{k8s.NAMESPACE}:namespace"]
    for group in groups.values():
        for selector in group["objects"]:
            object_name, kind = selector.split(":")
            assert dev.get(
                next(o["kind"] for o in dev.objects if o["kind"].lower() == kind), object_name
            )
    for name in infra:
        assert resources[name]["labels"] == ["infra"]
        assert resources[name]["resource_deps"] == ["namespace"]
    for name in topology.services:
        assert resources[name]["labels"] == ["services"]
        assert set(resources[name]["resource_deps"]) == infra
    bot = resources[k8s.BOT]
    assert bot["labels"] == ["bot"]
    # It needs Redis and the services it calls (through its sidecar), nothing else.
    assert set(bot["resource_deps"]) == {k8s.REDIS, *topology.calls_of(k8s.BOT)}
    gateway = resources[k8s.GATEWAY_IDENTITY]
    assert gateway["labels"] == ["gateway"]
    assert set(gateway["resource_deps"]) == set(topology.services)
    known = workloads | set(tilt.local_resources()) | set(groups)
    for kwargs in [*resources.values(), *tilt.local_resources().values()]:
        assert set(kwargs.get("resource_deps", [])) <= known


def test_port_forwards(tilt: Tilt, topology: Topology) -> None:
    forwards = tilt.resources()[k8s.GATEWAY_IDENTITY]["port_forwards"]
    edge = topology.edge
    pairs = {(f["local"], f["container"]) for f in forwards}
    for port in (edge.http_port, edge.https_port, edge.admin_port, edge.mesh_port):
        assert (port, port) in pairs


def test_codegen_and_seed(tilt: Tilt) -> None:
    local = tilt.local_resources()
    assert local["gen"]["cmd"].endswith("ukm gen") and local["gen"]["deps"] == ["proto"]
    seed = local["seed"]
    assert seed["trigger_mode"] == TRIGGER_MODE_MANUAL and seed["auto_init"] is False
    # `ukm seed --root R` uses R/pki: the dev PKI, whose operator certificate the mesh accepts.
    root = shlex.split(seed["cmd"])[shlex.split(seed["cmd"]).index("--root") + 1]
    assert root == f"k8s/overlays/dev/{k8s.DEV_SECRETS}"
    assert "mesh" in local["render-k8s"]["deps"]


def test_ctlptl_cluster_matches(tilt: Tilt, dev: Rendered) -> None:
    registry, cluster = yaml.safe_load_all((ROOT / "ctlptl.yaml").read_text())
    assert registry["kind"] == "Registry" and cluster["kind"] == "Cluster"
    assert cluster["product"] == "kind" and cluster["registry"] == registry["name"]
    assert tilt.one("allow_k8s_contexts")[0] == (cluster["name"],)
    mapped = {
        m["containerPort"]
        for node in cluster["kindV1Alpha4Cluster"]["nodes"]
        for m in node.get("extraPortMappings", [])
    }
    node_ports = {p["nodePort"] for p in dev.get("Service", k8s.GATEWAY_IDENTITY)["spec"]["ports"]}
    assert node_ports == mapped == set(k8s.DEV_NODE_PORTS.values())


@pytest.mark.parametrize(
    ("content", "starts"),
    [
        (None, False),  # no file yet (dev-secrets writes it first; Tilt tolerates a miss)
        (DEV_TELEGRAM_TEMPLATE, False),
        ("telegram-bot-token=\n", False),
        (DEV_TELEGRAM_TEMPLATE + "telegram-bot-token=123456:ABC-def\n", True),
        ("telegram-bot-token=123456:ABC=\n", True),
        # kustomize would make the key `telegram-bot-token ` (dev-secrets refuses the file).
        ("  telegram-bot-token = 123456:ABC\n", False),
    ],
)
def test_the_bot_starts_only_with_a_token(content: str | None, starts: bool) -> None:
    """Without a token the bot's pod could not start (its Secret lacks the key): Tilt leaves
    it for its button until the developer's token file has one; reading the file makes Tilt
    reload the Tiltfile when it changes."""
    files = {} if content is None else {TELEGRAM_ENV: content}
    tilt = evaluate(ROOT / "Tiltfile", files)
    assert tilt.resources()[k8s.BOT].get("auto_init", True) is starts
    assert [args[0] for args, _ in tilt.calls["read_file"]] == [TELEGRAM_ENV]
    # dev-secrets (which writes the template) runs before the file is read.
    assert "dev-secrets" in tilt.calls["local"][0][0][0]
