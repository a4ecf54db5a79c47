"""Secrets come from the environment or Prefect Secret blocks, never from the repository,
prefect.yaml or a command line."""

import re
import subprocess
from pathlib import Path

import pytest
import yaml

from statreturns import secrets
from statreturns.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
WEBHOOK = "https://council.example/hooks/T0K3N-5ecret"
# A password in a URL, a known incoming-webhook host, a key or token given a value.
LEAKS = re.compile(r"://[^/\s:@'\"]+:[^@\s/'\"]+@|hooks\.slack\.com/services/\w|"
                   r"webhook\.office\.com/webhookb2/\w|"
                   r"(?i:(password|passwd|secret|token|api_key)\s*[:=]\s*['\"][^'\"{]{6,})")


def tracked_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    return [ROOT / n for n in names if (ROOT / n).is_file()]


def test_the_leak_pattern_finds_what_it_is_for():
    for leak in ["postgresql://app:hunter22@db/returns", "https://hooks.slack.com/services/T0",
                 "password = 'correct-horse'", "TOKEN: \"abcdefgh\""]:
        assert LEAKS.search(leak), leak
    for fine in ["postgresql+psycopg://postgres@127.0.0.1:5432/test", "password: str = ''",
                 "{{webhook_url}}", "secret(\"database-password\")"]:
        assert not LEAKS.search(fine), fine


@pytest.mark.subprocess
def test_no_file_in_the_repository_holds_a_secret():
    found = []
    for path in tracked_files():
        if path == Path(__file__):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in LEAKS.finditer(text)]
    assert found == []


def test_prefect_yaml_names_no_secret_and_no_environment_value_for_one():
    def strings(node):
        if isinstance(node, dict):
            for key, value in node.items():
                yield str(key)
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)
        elif node is not None:
            yield str(node)

    every = list(strings(yaml.safe_load((ROOT / "prefect.yaml").read_text())))
    assert every, "prefect.yaml was read"
    for text in every:
        assert not re.search(r"(?i)password|webhook|secret|token", text), text
        assert not LEAKS.search(text), text


def test_a_secret_comes_from_the_environment_first(monkeypatch):
    monkeypatch.setenv("STATRETURNS_ALERT_WEBHOOK_URL", WEBHOOK)
    assert secrets.secret("alert-webhook-url") == WEBHOOK
    assert Settings().alert_webhook_url == WEBHOOK


def test_without_a_server_or_a_variable_there_is_no_secret(monkeypatch):
    monkeypatch.delenv("STATRETURNS_ALERT_WEBHOOK_URL", raising=False)
    assert secrets.secret("alert-webhook-url") == ""


@pytest.mark.usefixtures("harness")
def test_a_secret_comes_from_its_prefect_secret_block_on_the_server(monkeypatch):
    monkeypatch.delenv("STATRETURNS_DATABASE_PASSWORD", raising=False)
    assert secrets.secret("database-password") == ""
    assert secrets.save("database-password", "s3cret-pw") == "statreturns-database-password"
    assert secrets.secret("database-password") == "s3cret-pw"
    monkeypatch.setenv("STATRETURNS_DATABASE_PASSWORD", "from-env")
    assert secrets.secret("database-password") == "from-env"


def test_the_database_password_is_put_into_a_postgresql_url_that_names_none(monkeypatch):
    monkeypatch.setenv("STATRETURNS_DATABASE_PASSWORD", "p@ss:word")
    given = Settings(database_url="postgresql+psycopg://returns@db.internal/statreturns")
    assert given.db_url == "postgresql+psycopg://returns:p%40ss%3Aword@db.internal/statreturns"
    named = Settings(database_url="postgresql+psycopg://returns:own@db.internal/statreturns")
    assert named.db_url == "postgresql+psycopg://returns:own@db.internal/statreturns"
    assert Settings(home=Path("/srv/x"), database_url="").db_url == \
        "sqlite:////srv/x/var/statreturns.db"


@pytest.mark.usefixtures("harness")
def test_the_alerts_keep_the_webhook_as_a_secret_in_their_block():
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    from prefect.client.orchestration import get_client

    from statreturns.app.alerts import BLOCK, install

    install(WEBHOOK)
    block = CustomWebhookNotificationBlock.load(BLOCK)
    assert block.url == "{{webhook_url}}"
    assert block._build_request_args("body", "subject")["url"] == WEBHOOK
    with get_client(sync_client=True) as client:
        shown = client.read_block_document_by_name(BLOCK, "custom-webhook",
                                                   include_secrets=False)
    assert WEBHOOK not in str(shown.data)


def test_a_secret_comes_from_the_service_managers_credentials(monkeypatch, tmp_path):
    (tmp_path / "server-auth-string").write_text("ops:from-systemd-credential\n")
    monkeypatch.delenv("STATRETURNS_SERVER_AUTH_STRING", raising=False)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    assert secrets.secret("server-auth-string") == "ops:from-systemd-credential"


def test_the_server_credential_is_refused_unless_user_and_a_long_password(monkeypatch):
    from statreturns.app import ops

    for name in ("PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_AUTH_STRING",
                 "STATRETURNS_SERVER_AUTH_STRING", "CREDENTIALS_DIRECTORY", "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ops.ServerRefused, match="the Prefect server needs a credential"):
        ops.credential()
    for weak in ("no-colon-here-at-all", "ops:short", ":nouserbutlongpassword"):
        monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", weak)
        with pytest.raises(ops.ServerRefused, match="not user:password") as refused:
            ops.credential()
        assert weak not in str(refused.value)
    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", "ops:a-long-enough-one")
    assert ops.credential() == "ops:a-long-enough-one"
    env = ops.environment("http://127.0.0.1:1/api", Path("/tmp/p"), "ops:a-long-enough-one")
    assert env["PREFECT_API_AUTH_STRING"] == "ops:a-long-enough-one"
    assert "PREFECT_SERVER_API_AUTH_STRING" not in env  # clients are not servers
    served = ops.server_environment(env, "ops:a-long-enough-one")
    assert (served["PREFECT_SERVER_API_AUTH_STRING"],
            served["PREFECT_SERVER_CSRF_PROTECTION_ENABLED"]) == ("ops:a-long-enough-one", "true")
    assert not [k for k in ops.server_environment(env, None) if "AUTH_STRING" in k]


def test_prefect_yaml_and_the_makefile_set_no_credential():
    for name in ("prefect.yaml", "Makefile"):
        text = (ROOT / name).read_text()
        assert "AUTH_STRING" not in text, name
