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


CREDENTIAL = "server-auth-string"
"""The server's credential, ``user:password``, as a secret (statreturns.secrets)."""
SHORTEST = 12
NO_CREDENTIAL = ("the Prefect server needs a credential, so that no one reaches it unasked: "
                 "set PREFECT_SERVER_API_AUTH_STRING (or STATRETURNS_SERVER_AUTH_STRING, or a "
                 "service manager's credential server-auth-string) to user:password, with a "
                 f"password of at least {SHORTEST} characters, in the environment, never on the "
                 "command line or in a file of the repository. For a local demo only: "
                 "statreturns ops serve --no-auth")


class ServerRefused(RuntimeError):
    """The Prefect server cannot be used: no credential, or one it does not take."""


def credential() -> str:
    """The server's credential, from the environment (Prefect's own variables first) or a
    secret; refused where it is not ``user:password`` with a long enough password."""
    from statreturns.secrets import secret

    found = (os.environ.get("PREFECT_SERVER_API_AUTH_STRING")
             or os.environ.get("PREFECT_API_AUTH_STRING") or secret(CREDENTIAL))
    user, colon, password = found.partition(":")
    if not (user and colon and len(password) >= SHORTEST):
        raise ServerRefused(NO_CREDENTIAL if not found else
                            "the server's credential is not user:password with a password of "
                            f"at least {SHORTEST} characters")
    return found


def server_environment(env: dict[str, str], auth: str | None) -> dict[str, str]:
    """The server's own environment: basic authentication and CSRF protection on, unless
    `auth` is None (a local demo)."""
    if auth is None:
        return {k: v for k, v in env.items() if "AUTH_STRING" not in k}
    return {**env, "PREFECT_SERVER_API_AUTH_STRING": auth,
            "PREFECT_SERVER_CSRF_PROTECTION_ENABLED": "true"}


def check_access(api_url: str) -> None:
    """Raise ServerRefused where the server of `api_url` will not take this process's
    credential (PREFECT_API_AUTH_STRING); say which way it is wrong, never what it is."""
    auth = os.environ.get("PREFECT_API_AUTH_STRING", "")
    try:
        answer = httpx.get(f"{api_url}/admin/version", timeout=10,
                           auth=tuple(auth.split(":", 1)) if ":" in auth else None)
    except httpx.HTTPError:
        return  # not reachable: Prefect's own client says so, with its retries
    if answer.status_code == 401:
        raise ServerRefused(
            f"the Prefect server at {api_url} refused "
            + ("the credential in PREFECT_API_AUTH_STRING: it is not the server's" if auth
               else "the request: it needs a credential. Set PREFECT_API_AUTH_STRING to "
                    "the server's user:password in the environment"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def environment(api_url: str, prefect_home: Path, auth: str | None = None,
                **extra: str) -> dict[str, str]:
    """The environment of every process that talks to the server: with its credential,
    where it has one."""
    env = {k: v for k, v in os.environ.items() if "AUTH_STRING" not in k}
    return {**env, "PREFECT_API_URL": api_url, "PREFECT_HOME": str(prefect_home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "false",
            **({"PREFECT_API_AUTH_STRING": auth} if auth else {}), **extra}


def start_server(port: int, env: dict[str, str], log: Path,
                 host: str = "127.0.0.1") -> subprocess.Popen:
    """`prefect server start` on `host`:`port`, its database in PREFECT_HOME; `env` is
    `server_environment`."""
    return subprocess.Popen([*PREFECT, "server", "start", "--host", host, "--port",
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


LOOKS_EVERY = "2"
"""Seconds between a worker's looks for runs to start (Prefect's default is 10): a run waits
less for a free slot, for one small request to the server each time."""


def start_worker(env: dict[str, str], log: Path, limit: int | None = None) -> subprocess.Popen:
    """A process worker on the pool; `limit` caps the runs it has going at once."""
    capped = ["--limit", str(limit)] if limit else []
    return subprocess.Popen([*PREFECT, "worker", "start", "--pool", POOL, *capped],
                            env={"PREFECT_WORKER_QUERY_SECONDS": LOOKS_EVERY, **env},
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
