"""The product on a real Prefect server: deployed, run by a worker, swept, alerting, and the
returns board readable in the Prefect UI.

One module-scoped server (its own SQLite database, a free loopback port), the work pool,
every deployment of prefect.yaml and a worker; everything started is stopped at the end.
"""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import sqlalchemy as sa

from statreturns.app import ops
from statreturns.settings import PROJECT_ROOT

pytestmark = [pytest.mark.server, pytest.mark.subprocess, pytest.mark.store]
PERIOD = "R12-2026-10"
SWEEP_DAY = "2026-11-16"  # three days past the 13 November deadlines
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}

LONDON = ZoneInfo("Europe/London")


class Receiver(BaseHTTPRequestHandler):
    """A stand-in for a Teams or Slack incoming webhook: keeps what is posted to it."""

    received: list[dict] = []

    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.received.append(json.loads(body or b"{}"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def webhook():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/alerts"
    server.shutdown()


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    """A Prefect server with the pool, the deployments and a worker; the product's home."""
    root = tmp_path_factory.mktemp("e2e")
    port = ops.free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = ops.environment(api, root / "prefect", STATRETURNS_HOME=str(root / "home"),
                          PREFECT_WORKER_QUERY_SECONDS="2",
                          PREFECT_WORKER_PREFETCH_SECONDS="5")
    env.pop("STATRETURNS_DATABASE_URL", None)
    started = [ops.start_server(port, env, root / "server.log")]
    try:
        ops.wait_until_healthy(api)
        ops.set_up(env)
        started.append(ops.start_worker(env, root / "worker.log"))
        yield {"api": api, "env": env, "home": root / "home", "port": port, "root": root}
    finally:
        for process in reversed(started):
            ops.stop(process)


def cli(product, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "statreturns.app.cli", *args], env=product["env"],
                          cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
                          check=True)


def api_call(method: str, url: str, json: dict | None = None, tries: int = 10):
    """The API's answer, retried while the server is busy (its SQLite database locked by the
    scheduler, say), as Prefect's own client does."""
    for attempt in range(tries):
        response = httpx.request(method, url, json=json, timeout=60)
        busy = response.status_code == 429 or response.status_code >= 500
        if not busy or attempt == tries - 1:
            break
        time.sleep(1 + attempt)
    assert response.is_success, f"{method} {url}: {response.status_code} {response.text[:500]}"
    return response.json()


def wait_for(flow_run_id: str, api: str, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        flow_run = api_call("GET", f"{api}/flow_runs/{flow_run_id}")
        if flow_run["state"]["type"] in TERMINAL:
            return flow_run
        time.sleep(1)
    raise TimeoutError(f"flow run {flow_run_id} did not finish in {timeout} s")


def artifact(api: str, key: str) -> dict:
    [latest] = api_call("POST", f"{api}/artifacts/latest/filter",
                        json={"artifacts": {"key": {"any_": [key]}}})
    return latest


def store(product, table: str) -> list[dict]:
    engine = sa.create_engine(f"sqlite:///{product['home'] / 'var' / 'statreturns.db'}")
    with engine.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")).mappings()
        found = [dict(r) for r in rows]
    engine.dispose()
    return found


def store_runs(product) -> list[dict]:
    return store(product, "run")


@pytest.fixture(scope="module")
def deployed_run(product):
    """The PSPO deployment, triggered through the API, run by the worker."""
    cli(product, "generate", "pspo-breaches", "--period", PERIOD, "--problems")
    api = product["api"]
    deployment = api_call("GET", f"{api}/deployments/name/pspo-breaches/pspo-breaches")
    flow_run = api_call("POST", f"{api}/deployments/{deployment['id']}/create_flow_run", json={
        "parameters": {"period": PERIOD, "sign_off": False}})  # the worker's authority
    return wait_for(flow_run["id"], api)


def test_every_return_and_the_sweep_are_deployed_with_their_schedules(product):
    deployments = api_call("POST", f"{product['api']}/deployments/filter", json={})
    names = sorted(d["name"] for d in deployments)
    assert names == sorted(["pspo-breaches", "prevent-benchmarks", "part4-duty",
                            "savings-tracker", "csp-performance", "deadline-sweep"])
    pspo = next(d for d in deployments if d["name"] == "pspo-breaches")
    assert pspo["work_pool_name"] == "statreturns"
    assert pspo["global_concurrency_limit"] is None  # runs take turns on a limit of their own
    sweep = next(d for d in deployments if d["name"] == "deadline-sweep")
    assert sweep["global_concurrency_limit"]["limit"] == 1
    [schedule] = pspo["schedules"]
    assert schedule["schedule"]["timezone"] == "Europe/London"
    assert "RDATE:" in schedule["schedule"]["rrule"]


def test_the_server_schedules_runs_from_the_deployments_schedules(product):
    """The server's scheduler turns schedules into runs (it could not with SQLAlchemy 2.1)."""
    api = product["api"]
    sweep = api_call("GET", f"{api}/deployments/name/deadline-sweep/deadline-sweep")
    query = {"deployments": {"id": {"any_": [sweep["id"]]}},
             "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}}}
    deadline = time.monotonic() + 120
    while not (runs := api_call("POST", f"{api}/flow_runs/filter", json=query)):
        assert time.monotonic() < deadline, "no scheduled run of the daily sweep"
        time.sleep(2)
    starts = [datetime.fromisoformat(r["expected_start_time"].replace("Z", "+00:00"))
              for r in runs]
    assert all((s.astimezone(LONDON).hour, s.minute) == (8, 0) for s in starts)


def test_a_deployment_run_completes_with_its_artifacts_and_its_record(product, deployed_run):
    assert deployed_run["state"]["type"] == "COMPLETED", deployed_run["state"]
    assert deployed_run["name"] == f"demo {PERIOD}"
    api = product["api"]
    summary = artifact(api, "demo-pspo-breaches-r12-2026-10-summary")
    assert summary["flow_run_id"] == deployed_run["id"]
    assert "Produced with queries" in summary["data"]
    quality = artifact(api, "demo-pspo-breaches-r12-2026-10-data-quality")
    assert quality["flow_run_id"] == deployed_run["id"] and quality["type"] == "table"
    [run] = [r for r in store_runs(product) if r["flow_run_id"] == deployed_run["id"]]
    assert (run["return_id"], run["period"], run["status"], run["verdict"], run["version"],
            run["authority"], run["trigger"]) == (
        "pspo-breaches", PERIOD, "produced", "queries", 1, "demo", "manual")
    outputs = Path(run["outputs_dir"])
    assert outputs.is_relative_to(product["home"] / "outputs") and outputs.is_dir()
    turns = api_call("GET", f"{api}/v2/concurrency_limits/statreturns-pspo-breaches")
    assert (turns["limit"], turns["active_slots"]) == (1, 0)  # taken, then given back


SOMEONE_ELSES_FLOW = """
from prefect import flow

@flow(name="someone-elses-flow")
def failing():
    raise ValueError("not a return")

failing()
"""


@pytest.fixture(scope="module")
def swept(product, deployed_run, webhook):
    subprocess.run([sys.executable, "-m", "statreturns.app.cli", "ops", "save-secret",
                    "alert-webhook-url"], input=webhook + "\n", env=product["env"],
                   cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300, check=True)
    cli(product, "ops", "install-automations")  # the webhook from its Secret block
    time.sleep(2)  # automations take effect once the server has loaded them
    subprocess.run([sys.executable, "-c", SOMEONE_ELSES_FLOW], env=product["env"],
                   cwd=product["root"], capture_output=True, timeout=300)  # it fails
    subprocess.run([sys.executable, "flows/deadline_sweep.py", SWEEP_DAY], env=product["env"],
                   cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=300)
    for action in store(product, "sweepaction"):  # the runs the sweep started, to their end
        if action["flow_run_id"]:
            wait_for(action["flow_run_id"], product["api"])
    return Receiver.received


def _alerts(received: list[dict], words: str, timeout: float = 120) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in received if words in r.get("text", "")]
        if found:
            return found
        time.sleep(1)
    return []


def test_an_overdue_return_reaches_the_webhook(swept):
    found = _alerts(swept, "pspo-breaches R12-2026-10 for demo is 3 days past its deadline")
    assert found, f"no overdue alert; received: {swept}"
    assert found[0]["subject"] == "A return is overdue"


def test_a_return_the_sweep_starts_without_its_data_is_blocked_and_alerted(product, swept):
    found = _alerts(swept, "ended Blocked")
    assert found, f"no blocked alert; received: {swept}"
    started = {(a["return_id"], a["period"]) for a in store(product, "sweepaction")
               if a["action"] == "run"}
    assert started == {("savings-tracker", "2026-10"), ("prevent-benchmarks", "2025/26")}
    runs = [r for r in store_runs(product) if r["trigger"] == "deadline"]
    assert {(r["return_id"], r["period"], r["status"]) for r in runs} == {
        ("savings-tracker", "2026-10", "blocked"), ("prevent-benchmarks", "2025/26", "blocked")}
    for run in runs:  # shown in the UI as failed, named Blocked: not as a success
        state = api_call("GET", f"{product['api']}/flow_runs/{run['flow_run_id']}")["state"]
        assert (state["type"], state["name"]) == ("FAILED", "Blocked")


def test_other_flows_failing_on_the_same_server_do_not_alert(product, swept):
    query = {"flows": {"name": {"any_": ["someone-elses-flow"]}}}
    [other] = api_call("POST", f"{product['api']}/flow_runs/filter", json=query)
    assert other["state"]["type"] == "FAILED", other["state"]
    assert _alerts(swept, "ended Blocked"), "the sweep's alerts never came"  # they came later
    assert not [r for r in swept if "someone-elses-flow" in r.get("text", "")], swept


def test_the_board_and_the_calendar_command_agree(product, swept):
    board = artifact(product["api"], "demo-returns-board")["data"]
    listed = json.loads(cli(product, "calendar", "--today", SWEEP_DAY, "--json").stdout)
    for line in listed:
        row = (f"| {line['deadline']} | {line['planned']} | {line['return']} | "
               f"{line['period']} | ")
        assert row in board, row
    assert "**2 overdue**" in board


@pytest.mark.browser
def test_the_prefect_ui_shows_the_overdue_return_on_the_board(product, swept):
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    board = artifact(product["api"], "demo-returns-board")
    page = f"http://127.0.0.1:{product['port']}/artifacts/artifact/{board['latest_id']}"
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--virtual-time-budget=30000", "--dump-dom", page],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "HOME": str(product["root"])})
    assert "Returns board: demo" in result.stdout, result.stdout[-2000:]
    assert "R12-2026-10" in result.stdout and "overdue" in result.stdout
