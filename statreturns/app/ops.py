"""Running the product on a Prefect server: start one, create the work pool, deploy every
return and the sweep, install the alerts, start a worker, sweep once. Used by
`statreturns ops serve` (`make server`) and by the end-to-end test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from statreturns.app.prefect_yaml import POOL
from statreturns.settings import PROJECT_ROOT

PREFECT = [sys.executable, "-m", "prefect"]
SWEEP = "deadline-sweep/deadline-sweep"
ALERTS_OFF = ("Alerts are off: no webhook is set. Turn them on with: statreturns ops "
              "save-secret alert-webhook-url (or STATRETURNS_ALERT_WEBHOOK_URL), then "
              "statreturns ops install-automations")
ALERTS_ON = ("Alerts are on: a failed or crashed run, a return blocked by its data and an "
             "overdue return are posted to the webhook")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(api_url: str, prefect_home: Path, **extra: str) -> dict[str, str]:
    """The environment of every process that talks to the server."""
    return {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_HOME": str(prefect_home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "false", **extra}


def start_server(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """`prefect server start` on 127.0.0.1:`port`, its database in PREFECT_HOME."""
    return subprocess.Popen([*PREFECT, "server", "start", "--host", "127.0.0.1", "--port",
                             str(port)], env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_healthy(api_url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"the Prefect server at {api_url} did not answer in {timeout:.0f} s")


def prefect(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A prefect command run from the checkout (where prefect.yaml is); raises on failure."""
    return subprocess.run([*PREFECT, "--no-prompt", *args], env=env, cwd=PROJECT_ROOT,
                          check=True, capture_output=True, text=True, timeout=300)


def prefect_python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """This environment's Python with `args`, talking to the server of `env`."""
    return subprocess.run([sys.executable, *args], env=env, cwd=PROJECT_ROOT, check=True,
                          capture_output=True, text=True, timeout=300)


def set_up(env: dict[str, str]) -> None:
    """The work pool and every deployment of prefect.yaml."""
    prefect("work-pool", "create", POOL, "--type", "process", "--overwrite", env=env)
    prefect("deploy", "--all", env=env)


def webhook_url(api_url: str) -> str:
    """The alerts' webhook: from the environment, or the Secret block on this server."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from statreturns.secrets import secret

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        return secret("alert-webhook-url")


def install_alerts(env: dict[str, str]) -> str:
    """The alerts, installed on the server of `env` where a webhook is set; what to tell
    the operator, whether they are on or off."""
    if not webhook_url(env["PREFECT_API_URL"]):
        return ALERTS_OFF
    prefect_python("-m", "statreturns.app.cli", "ops", "install-automations", env=env)
    return ALERTS_ON


def sweep_now(env: dict[str, str], ui: str) -> str:
    """A run of the deadline sweep's deployment, now: the returns board is there from the
    start, not from the first daily sweep. What to tell the operator."""
    prefect("deployment", "run", SWEEP, env=env)
    return f"The deadline sweep is running once now, to make the returns board: {ui}/artifacts"


def start_worker(env: dict[str, str], log: Path, limit: int | None = None) -> subprocess.Popen:
    """A process worker on the pool; `limit` caps the runs it has going at once."""
    capped = ["--limit", str(limit)] if limit else []
    return subprocess.Popen([*PREFECT, "worker", "start", "--pool", POOL, *capped], env=env,
                            cwd=PROJECT_ROOT, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    """Stop a process and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()
