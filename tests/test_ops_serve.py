"""`statreturns ops serve` says whether alerts are on and sweeps once at start, so that the
returns board is there from the first minute. No server is started here: the calls that
would start processes are replaced."""

import pytest
from typer.testing import CliRunner

from statreturns.app import ops
from statreturns.app.cli import app
from statreturns.settings import get_settings

ENV = {"PREFECT_API_URL": "http://127.0.0.1:4321/api"}


@pytest.fixture
def called(monkeypatch) -> list[tuple]:
    """The prefect commands and Python modules the functions would have run."""
    calls = []
    monkeypatch.setattr(ops, "prefect", lambda *args, env: calls.append(("prefect", *args)))
    monkeypatch.setattr(ops, "prefect_python",
                        lambda *args, env: calls.append(("python", *args)))
    return calls


def test_with_no_webhook_the_alerts_are_off_and_it_says_how_to_turn_them_on(monkeypatch,
                                                                           called):
    monkeypatch.setattr(ops, "webhook_url", lambda api_url: "")
    said = ops.install_alerts(ENV)
    assert said == ("Alerts are off: no webhook is set. Turn them on with: statreturns ops "
                    "save-secret alert-webhook-url (or STATRETURNS_ALERT_WEBHOOK_URL), then "
                    "statreturns ops install-automations")
    assert called == []


def test_with_a_webhook_the_alerts_are_installed_and_it_says_they_are_on(monkeypatch, called):
    asked = []
    monkeypatch.setattr(ops, "webhook_url", lambda api_url: asked.append(api_url) or "https://x")
    said = ops.install_alerts(ENV)
    assert said.startswith("Alerts are on:")
    assert asked == [ENV["PREFECT_API_URL"]]
    assert called == [("python", "-m", "statreturns.app.cli", "ops", "install-automations")]


def test_the_webhook_from_the_environment_needs_no_server(monkeypatch):
    monkeypatch.setenv("STATRETURNS_ALERT_WEBHOOK_URL", "https://hooks.example/1")
    assert ops.webhook_url(ENV["PREFECT_API_URL"]) == "https://hooks.example/1"


def test_the_sweep_deployment_is_run_once_for_the_board(called):
    said = ops.sweep_now(ENV, "http://127.0.0.1:4321")
    assert called == [("prefect", "deployment", "run", "deadline-sweep/deadline-sweep")]
    assert "returns board" in said and "http://127.0.0.1:4321/artifacts" in said


class Ended:
    """A started process that has already ended, so that serve stops at once."""

    def poll(self) -> int:
        return 0


def test_serve_says_whether_alerts_are_on_and_sweeps_after_the_worker_starts(monkeypatch,
                                                                             called):
    steps, served = [], []
    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", "ops:a-long-enough-one")
    monkeypatch.setattr("signal.signal", lambda *args: None)
    monkeypatch.setattr(ops, "webhook_url", lambda api_url: "")
    monkeypatch.setattr(ops, "start_server", lambda port, env, log, host: served.append(
        (env, host)) or steps.append("server") or Ended())
    monkeypatch.setattr(ops, "wait_until_healthy", lambda api_url: None)
    announced = get_settings().var / "server" / "serving.json"
    monkeypatch.setattr(ops, "set_up", lambda env: steps.append(
        "deployments" if '"http://127.0.0.1:4321/api"' in announced.read_text() else "?"))
    monkeypatch.setattr(ops, "start_worker", lambda *args: steps.append("worker") or Ended())
    monkeypatch.setattr(ops, "stop", lambda process: steps.append("stopped"))
    monkeypatch.setattr(ops, "prefect", lambda *args, env: steps.append(args))

    from prefect.logging.configuration import ensure_logging_setup

    ensure_logging_setup()  # Prefect's console handler on pytest's stream, not the runner's
    result = CliRunner().invoke(app, ["ops", "serve", "--port", "4321"])
    assert result.exit_code == 0, result.output
    assert steps == ["server", "deployments", "worker",
                     ("deployment", "run", "deadline-sweep/deadline-sweep"), "stopped", "stopped"]
    assert not announced.exists()  # this home's commands no longer look for it
    said = " ".join(result.output.split())
    assert said.index("Alerts are off") < said.index("The deadline sweep is running once now")
    assert "Prefect UI: http://127.0.0.1:4321" in said
    assert "Basic authentication and CSRF protection are on" in said
    [(env, host)] = served
    assert host == "127.0.0.1" and env["PREFECT_SERVER_CSRF_PROTECTION_ENABLED"] == "true"
    assert env["PREFECT_SERVER_API_AUTH_STRING"] == "ops:a-long-enough-one"
    assert "a-long-enough-one" not in result.output


def test_serve_refuses_to_start_without_a_credential_and_says_how(monkeypatch):
    started = []
    monkeypatch.setattr(ops, "start_server", lambda *args: started.append(args))
    for name in ("PREFECT_SERVER_API_AUTH_STRING", "PREFECT_API_AUTH_STRING",
                 "STATRETURNS_SERVER_AUTH_STRING", "CREDENTIALS_DIRECTORY", "PREFECT_API_URL"):
        monkeypatch.delenv(name, raising=False)
    refused = CliRunner().invoke(app, ["ops", "serve"])
    said = " ".join(refused.output.split())
    assert refused.exit_code == 2 and started == []
    assert "the Prefect server needs a credential" in said
    assert "statreturns ops serve --no-auth" in said
    public = CliRunner().invoke(app, ["ops", "serve", "--no-auth", "--host", "0.0.0.0"])
    assert public.exit_code == 2 and started == []
    assert "--no-auth serves 127.0.0.1 only" in " ".join(public.output.split())
