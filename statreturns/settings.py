"""Settings, read from the environment (prefix ``STATRETURNS_``) with embedded defaults.

Everything the product writes lives under `home`: the store and the archive in ``var/``,
the returns in ``outputs/``. Secrets come from the environment or Prefect Secret blocks
(`statreturns.secrets`).
"""

from __future__ import annotations

from functools import cache, cached_property
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from statreturns.secrets import secret

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="STATRETURNS_")

    home: Path = PROJECT_ROOT
    database_url: str = ""
    authority: str = ""
    """The authority commands and deployments run for when none is named: see
    `statreturns.authorities.default`."""
    suppression_threshold: int = 5
    sign_off_timeout_hours: float = 72
    """How long a run waits for the sign-off form before leaving the version to approve."""
    config: Path = PROJECT_ROOT / "config"
    """The authorities' settings, ``authorities/<id>/``; a shared service keeps its own."""

    @property
    def var(self) -> Path:
        return self.home / "var"

    @property
    def inbox(self) -> Path:
        return self.var / "inbox"

    @property
    def archive(self) -> Path:
        return self.var / "archive"

    @property
    def outbox(self) -> Path:
        """Where approved versions are delivered (the folder outbox)."""
        return self.var / "outbox"

    @property
    def outputs(self) -> Path:
        return self.home / "outputs"

    @property
    def expectations(self) -> Path:
        return PROJECT_ROOT / "expectations"

    @property
    def alert_webhook_url(self) -> str:
        """Where alerts are posted (a Teams or Slack incoming webhook): a secret."""
        return secret("alert-webhook-url")

    @cached_property
    def db_url(self) -> str:
        """The store: `database_url`, given the password secret where it names none."""
        from sqlalchemy.engine import make_url

        if not self.database_url:
            return f"sqlite:///{self.var / 'statreturns.db'}"
        url = make_url(self.database_url)
        if url.password is None and url.get_backend_name() == "postgresql" \
                and (password := secret("database-password")):
            url = url.set(password=password)
        return url.render_as_string(hide_password=False)


@cache
def get_settings() -> Settings:
    return Settings()
