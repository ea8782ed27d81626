"""`ukm up` as a newcomer runs it: everything healthy, the printed commands work as printed,
Ctrl-C leaves no process behind, a second start keeps the data, taken ports get a clear message.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import yaml

from mesh.demo import demo_person
from mesh.infra import free_port
from mesh.topology import TOPOLOGY_FILE

ROOT = Path(__file__).resolve().parents[2]
RESIDENT_CHAT = demo_person("resident").telegram_id


@pytest.fixture
def topology_file(tmp_path: Path) -> Path:
    """The real topology with every port moved to a free one (a `make up` may be running)."""
    raw = yaml.safe_load(TOPOLOGY_FILE.read_text())
    for key in raw["edge"]:
        raw["edge"][key] = free_port()
    for key in raw["infrastructure"]:
        raw["infrastructure"][key] = free_port()
    for service in raw["services"].values():
        service["grpc_port"], service["ops_port"] = free_port(), free_port()
    path = tmp_path / "topology.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def environment(topology_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UKM_")}
    env["UKM_TOPOLOGY"] = str(topology_file)
    return env


class Up:
    """A running `ukm up` and what it printed."""

    def __init__(self, root: Path, topology_file: Path) -> None:
        self.env = environment(topology_file)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ukmctl", "up", "--root", str(root)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.root = root
        self.output = ""

    def wait_until_up(self, timeout: float = 120) -> str:
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            self.output += line
            if line.strip().startswith(".venv/bin/ukm outbox --follow"):  # the banner's last
                return self.output
        raise AssertionError(f"ukm up did not come up:\n{self.output}")

    def ukm(self, *command: str) -> subprocess.CompletedProcess[str]:
        """`ukm <command> --root <its root>` against this run; never raises on failure."""
        return subprocess.run(
            [sys.executable, "-m", "ukmctl", *command, "--root", str(self.root)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )

    def descendants(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children(recursive=True)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)


@pytest.fixture
def up_runs(tmp_path: Path, topology_file: Path) -> Iterator[list[Up]]:
    runs: list[Up] = []
    yield runs
    for run in runs:  # a failed test still leaves nothing running
        if run.process.poll() is None:
            children = run.descendants()
            run.process.send_signal(signal.SIGINT)
            try:
                run.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                run.process.kill()
            for child in psutil.wait_procs(children, timeout=10)[1]:
                child.kill()


def printed_commands(output: str) -> list[str]:
    return [
        line.strip()
        for line in output.splitlines()
        if line.strip().startswith(("curl ", ".venv/bin/grpcurl "))
    ]


def run_printed(command: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        command,
        shell=True,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
    return result.stdout


def test_up_is_healthy_and_its_printed_commands_work_as_printed(
    tmp_path: Path, topology_file: Path, up_runs: list[Up]
) -> None:
    root = tmp_path / "state"
    first = Up(root, topology_file)
    up_runs.append(first)
    output = first.wait_until_up()
    status = first.ukm("status")
    assert status.returncode == 0, status.stdout + status.stderr

    commands = printed_commands(output)
    assert len(commands) == 13
    results = [run_printed(command, first.env) for command in commands]
    assert json.loads(results[0])["tokens"]["accessToken"]  # the resident signs in over REST
    created = json.loads(results[1])["request"]
    assert re.fullmatch(r"\d{6}-\d{3}", created["requestNumber"])
    assert json.loads(results[2])["request"]["status"] == "REQUEST_STATUS_NEW"
    # The manager sees the four demo requests and the one just filed.
    assert len(json.loads(results[3])["requests"]) == 5
    assert "ukm.requests.v1.RequestService" in results[4].split()
    assert json.loads(results[5])["request"]["request_number"]
    assert len(json.loads(results[6])["requests"]) == 5
    # The life of the demo leak, step by step as printed.
    assert json.loads(results[7])["shift"]["status"] == "SHIFT_STATUS_ACTIVE"
    walked = [json.loads(result)["request"]["status"] for result in results[8:12]]
    assert walked == [
        "REQUEST_STATUS_IN_PROGRESS",
        "REQUEST_STATUS_COMPLETED",
        "REQUEST_STATUS_CONFIRMED",
        "REQUEST_STATUS_ACCEPTED",
    ]
    history = json.loads(results[12])["entries"]
    assert history[-1]["toStatus"] == "REQUEST_STATUS_ACCEPTED"

    # Each step told the people concerned; without provider credentials the messages land in
    # the development outbox, which `ukm outbox` prints (the banner says so).
    assert ".venv/bin/ukm outbox --follow" in output
    number = json.loads(results[8])["request"]["requestNumber"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        printed = first.ukm("outbox").stdout
        # The demo resident uses the bot (on the local Telegram): told there.
        told = [m for m in printed.split("\n\n") if f"telegram → {RESIDENT_CHAT}" in m]
        if any(number in m and "готова к приёмке" in m for m in told):  # confirmed
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"the resident was not told of the confirmation:\n{printed}")

    # The bot answers on the local Telegram, as the banner shows (no bot token here).
    assert "--as resident say /start" in output
    first.ukm("telegram", "--as", "resident", "say", "/start")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        chat = first.ukm("telegram", "--as", "resident", "chat").stdout
        if "Новая заявка" in chat:  # the resident's menu, in Russian
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"the bot did not answer /start:\n{chat}")

    # A service that crashes is restarted by the supervisor; nothing it stored is lost.
    [service] = [p for p in first.descendants() if p.cmdline()[-2:] == ["serve", "requests"]]
    service.kill()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        healthy = first.ukm("status")
        if healthy.returncode == 0 and not service.is_running():
            break
        time.sleep(0.5)
    assert healthy.returncode == 0, "the killed service did not come back"
    assert len(json.loads(run_printed(commands[6], first.env))["requests"]) == 5

    children = first.descendants()
    assert len(children) >= 7  # postgres, redis, nats, three services, envoy
    assert first.stop() == 0
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"left behind: {[p.pid for p in alive]}"

    # A second start finds the same data: the demo seed is not filed twice.
    second = Up(root, topology_file)
    up_runs.append(second)
    second.wait_until_up()
    listing = run_printed(commands[6].replace('"page_size": 5', '"page_size": 100'), second.env)
    assert len(json.loads(listing)["requests"]) == 6  # 4 demo requests + 2 created above
    assert second.stop() == 0


def test_taken_ports_get_a_clear_message(tmp_path: Path, topology_file: Path) -> None:
    port = yaml.safe_load(topology_file.read_text())["edge"]["http_port"]
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", port))
        blocker.listen()
        result = subprocess.run(
            [sys.executable, "-m", "ukmctl", "up", "--root", str(tmp_path / "state")],
            cwd=ROOT,
            env=environment(topology_file),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 2
    assert f"{port} (Envoy edge (HTTP))" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_status_without_a_running_system_fails(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ukmctl", "status", "--root", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "not running" in result.stdout + result.stderr
