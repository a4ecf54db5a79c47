"""Secrets (the alerts' webhook URL, the store's database password, the Prefect server's
credential): from an environment variable, else a service manager's credential (systemd's
``LoadCredential=``, in ``$CREDENTIALS_DIRECTORY``), else a Prefect Secret block on the
server of ``PREFECT_API_URL``; never from a file in the repository or from prefect.yaml."""

from __future__ import annotations

import os
from pathlib import Path

NAMES = ("alert-webhook-url", "database-password", "server-auth-string")


def variable(name: str) -> str:
    """The environment variable that holds a secret (e.g. STATRETURNS_DATABASE_PASSWORD)."""
    return "STATRETURNS_" + name.upper().replace("-", "_")


def block(name: str) -> str:
    """The Prefect Secret block that holds a secret (e.g. statreturns-database-password)."""
    return f"statreturns-{name}"


def secret(name: str) -> str:
    """The secret's value, or "" where neither the environment nor the server has it. With no
    server named, no block is looked for (none would be started for it)."""
    from prefect.settings import PREFECT_API_URL

    if value := os.environ.get(variable(name)):
        return value
    if (given := os.environ.get("CREDENTIALS_DIRECTORY")) and (Path(given) / name).is_file():
        return (Path(given) / name).read_text(encoding="utf-8").strip()  # systemd's
    if not PREFECT_API_URL.value():
        return ""
    from prefect.blocks.system import Secret

    try:
        return str(Secret.load(block(name)).get())
    except Exception:  # noqa: BLE001  no such block, or the server cannot be reached
        return ""


def save(name: str, value: str) -> str:
    """Keep a secret in its Secret block on the server; the block's name."""
    from prefect.blocks.system import Secret

    Secret(value=value).save(block(name), overwrite=True)
    return block(name)
