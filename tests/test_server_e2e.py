"""The product on a real Prefect server: deployed, run by a worker, swept, alerting, signed
off through its API, and the returns board readable in the Prefect UI.

One module-scoped server (its own SQLite database, a free loopback port) with basic
authentication and CSRF protection on, the work pool, every deployment of prefect.yaml and a
worker; everything started is stopped at the end.
"""

import json
import os
import secrets
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


class Api:
    """The API as an operator's script calls it: with the server's credential and a CSRF
    token for every request that changes something."""

    auth: tuple[str, str] | None = None
    headers: dict[str, str] = {}

    @classmethod
    def sign_in(cls, api: str, credential: str) -> None:
        user, _, password = credential.partition(":")
        cls.auth = (user, password)
        client = f"e2e-{secrets.token_hex(4)}"
        token = httpx.get(f"{api}/csrf-token", params={"client": client}, auth=cls.auth,
                          timeout=30)
        assert token.status_code == 200, token.text
        cls.headers = {"Prefect-Csrf-Token": token.json()["token"],
                       "Prefect-Csrf-Client": client}


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    """A Prefect server that asks for its credential, with the pool, the deployments and a
    worker; the product's home."""
    root = tmp_path_factory.mktemp("e2e")
    port = ops.free_port()
    api = f"http://127.0.0.1:{port}/api"
    credential = f"statreturns:{secrets.token_urlsafe(18)}"
    env = ops.environment(api, root / "prefect", credential,
                          STATRETURNS_HOME=str(root / "home"),
                          PREFECT_WORKER_QUERY_SECONDS="2",
                          PREFECT_WORKER_PREFETCH_SECONDS="5")
    env.pop("STATRETURNS_DATABASE_URL", None)
    started = [ops.start_server(port, ops.server_environment(env, credential),
                                root / "server.log")]
    try:
        ops.wait_until_healthy(api)
        Api.sign_in(api, credential)
        ops.set_up(env)
        started.append(ops.start_worker(env, root / "worker.log"))
        yield {"api": api, "env": env, "home": root / "home", "port": port, "root": root,
               "credential": credential}
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
        response = httpx.request(method, url, json=json, timeout=60, auth=Api.auth,
                                 headers=Api.headers if method != "GET" else None)
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
    turns = api_call("GET", f"{api}/v2/concurrency_limits/statreturns-pspo-breaches-demo")
    assert (turns["limit"], turns["active_slots"]) == (1, 0)  # taken, then given back


def test_without_the_credential_the_server_refuses_and_the_command_line_says_so(
        product, deployed_run):
    api = product["api"]
    deployment = f"{api}/deployments/name/pspo-breaches/pspo-breaches"
    assert httpx.get(deployment, timeout=30).status_code == 401
    wrong = ("statreturns", "not-the-password-at-all")
    assert httpx.get(deployment, auth=wrong, timeout=30).status_code == 401
    assert httpx.post(f"{api}/flow_runs/filter", json={}, headers=Api.headers,
                      timeout=30).status_code == 401  # a CSRF token is not a credential
    assert httpx.get(f"{api}/health", timeout=30).status_code == 200  # for probes
    assert httpx.post(f"{api}/flow_runs/filter", json={}, auth=Api.auth,
                      timeout=30).status_code == 403  # no CSRF token
    without = {k: v for k, v in product["env"].items() if k != "PREFECT_API_AUTH_STRING"}
    for env, said in [(without, "it needs a credential. Set PREFECT_API_AUTH_STRING"),
                      ({**without, "PREFECT_API_AUTH_STRING": ":".join(wrong)},
                       "the credential in PREFECT_API_AUTH_STRING: it is not the server's")]:
        refused = subprocess.run(
            [sys.executable, "-m", "statreturns.app.cli", "run", "pspo-breaches", "--period",
             PERIOD], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
        told = " ".join(refused.stderr.split())
        assert refused.returncode == 2 and said in told, told
        assert "Traceback" not in told and product["credential"] not in told + refused.stdout
    kept = [r for r in store(product, "refusal") if r["action"] == "connect"]
    assert [(r["return_id"], r["period"]) for r in kept] == [("pspo-breaches", PERIOD)] * 2
    assert all(product["credential"] not in r["reason"] for r in kept)


def test_a_backfill_given_the_server_goes_to_the_work_pool(product):
    done = cli(product, "backfill", "pspo-breaches", "--from", "R12-2025-06", "--to",
               "R12-2025-07", "--demo-data")
    assert "2 of 2 periods run: 2 produced or unchanged, 0 not" in " ".join(done.stdout.split())
    found = [r for r in store_runs(product) if r["trigger"] == "backfill"]
    assert sorted((r["period"], r["status"], r["version"]) for r in found) == [
        ("R12-2025-06", "produced", 1), ("R12-2025-07", "produced", 1)]
    for run in found:  # each a run of the deployment, by the pool's worker
        flow_run = api_call("GET", f"{product['api']}/flow_runs/{run['flow_run_id']}")
        assert flow_run["deployment_id"] and flow_run["work_pool_name"] == "statreturns"


SIGNED = "R12-2025-10"


def paused(flow_run_id: str, api: str, answered: set[str], timeout: float = 180) -> dict:
    """The flow run once it is paused for a form not yet answered."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        flow_run = api_call("GET", f"{api}/flow_runs/{flow_run_id}")
        state = flow_run["state"]
        key = (state.get("state_details") or {}).get("pause_key")
        if state["type"] == "PAUSED" and key not in answered:
            answered.add(key)
            return flow_run
        assert state["type"] not in TERMINAL, state
        time.sleep(1)
    raise TimeoutError(f"flow run {flow_run_id} did not pause in {timeout} s")


def test_the_sign_off_form_is_answered_through_the_authenticated_api(product):
    """An unlisted approver is refused and the form asked again; an officer explains; a
    listed approver who did neither approves: each through the API, with the credential."""
    cli(product, "generate", "pspo-breaches", "--period", SIGNED, "--problems")
    api = product["api"]
    deployment = api_call("GET", f"{api}/deployments/name/pspo-breaches/pspo-breaches")
    flow_run = api_call("POST", f"{api}/deployments/{deployment['id']}/create_flow_run",
                        json={"parameters": {"period": SIGNED, "sign_off": True}})
    answered: set[str] = set()
    paused(flow_run["id"], api, answered)
    resume = f"{api}/flow_runs/{flow_run['id']}/resume"
    assert httpx.post(resume, json={"run_input": {}}, headers=Api.headers,
                      timeout=30).status_code == 401
    [run] = [r for r in store_runs(product) if r["flow_run_id"] == flow_run["id"]]
    codes = sorted({q["code"] for q in store(product, "qualityresult")
                    if q["run_id"] == run["id"] and q["severity"] == "query"
                    and not q["success"]})
    assert codes, "the demo's problems raise queries"
    boxes = {f"explain_{c.lower().replace('-', '_')}": "Checked with the enforcement team."
             for c in codes}
    for answer in [{"decision": "approve", "approver": "Mallory Smith", **boxes},
                   {"decision": "explain", "approver": "A. Officer", **boxes},
                   {"decision": "approve", "approver": "Chris Lee", "comment": "checked"}]:
        api_call("POST", resume, json={"run_input": answer})
        if answer["approver"] != "Chris Lee":
            paused(flow_run["id"], api, answered)
    done = wait_for(flow_run["id"], api)
    assert (done["state"]["type"], done["state"]["name"]) == ("COMPLETED", "Approved")
    [decision] = [d for d in store(product, "decision") if d["run_id"] == run["id"]]
    assert (decision["approver"], decision["email"], decision["made_from"],
            decision["four_eyes"]) == ("Chris Lee", "chris.lee@demo-city.gov.uk",
                                       "sign-off form", "kept")
    [refused] = [r for r in store(product, "refusal") if r["period"] == SIGNED]
    assert (refused["who"], refused["action"], refused["made_from"]) == (
        "Mallory Smith", "approve", "sign-off form")
    assert refused["reason"].startswith("Mallory Smith is not listed to approve")
    authors = {e["author"] for e in store(product, "explanation") if e["period"] == SIGNED}
    assert authors == {"A. Officer"}


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


def test_the_credential_is_in_no_log_artifact_output_or_record(product, swept):
    """Every file the server, the worker and the runs wrote, every log and artifact the
    server holds: none has the credential, whole or its password alone."""
    password = product["credential"].partition(":")[2]
    found = [str(path) for path in product["root"].rglob("*") if path.is_file()
             and "chromium" not in path.parts and password.encode() in path.read_bytes()]
    assert found == []
    api = product["api"]
    logs = api_call("POST", f"{api}/logs/filter", json={"limit": 200})
    artifacts = api_call("POST", f"{api}/artifacts/filter", json={})
    assert logs and artifacts
    assert password not in json.dumps(logs) + json.dumps(artifacts)


def signed_in_page_text(browser: str, origin: str, page: str, credential: str,
                        root: Path, waiting_for: str, timeout: float = 90) -> str:
    """The text of a page of the Prefect UI, signed in as a person signs in: the UI keeps
    the credential in its storage. Through Chromium's DevTools protocol."""
    from websockets.sync.client import connect

    profile = root / "chromium"
    process = subprocess.Popen(
        [browser, "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--remote-debugging-port=0",
         "--remote-allow-origins=*", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "HOME": str(root)})
    try:
        deadline = time.monotonic() + timeout
        active = profile / "DevToolsActivePort"
        while not (active.exists() and len(active.read_text().split()) == 2):
            assert time.monotonic() < deadline, "Chromium did not start"
            time.sleep(0.2)
        port = active.read_text().split()[0]
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=30).json()
        socket_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        with connect(socket_url, max_size=None, open_timeout=30) as ws:
            calls = iter(range(1, 10_000))

            def call(method: str, **params) -> dict:
                sent = next(calls)
                ws.send(json.dumps({"id": sent, "method": method, "params": params}))
                while (message := json.loads(ws.recv(timeout=60))).get("id") != sent:
                    pass
                return message.get("result", {})

            def text() -> str:
                return call("Runtime.evaluate", returnByValue=True, expression=(
                    "document.body ? document.body.innerText : ''"))["result"].get("value", "")

            call("Page.navigate", url=f"{origin}/robots.txt")
            time.sleep(1)
            call("Runtime.evaluate", expression="localStorage.setItem('prefect-password', "
                                                f"btoa({json.dumps(credential)}))")
            call("Page.navigate", url=page)
            while waiting_for not in (shown := text()) and time.monotonic() < deadline:
                time.sleep(1)
            return shown
    finally:
        process.kill()
        process.wait()


@pytest.mark.browser
def test_the_prefect_ui_shows_the_overdue_return_on_the_board(product, swept):
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("Debian's chromium is not installed (make test installs it as root)")
    board = artifact(product["api"], "demo-returns-board")
    origin = f"http://127.0.0.1:{product['port']}"
    shown = signed_in_page_text(browser, origin,
                                f"{origin}/artifacts/artifact/{board['latest_id']}",
                                product["credential"], product["root"], "Returns board: demo")
    assert "Returns board: demo" in shown, shown[-2000:]
    assert "R12-2026-10" in shown and "overdue" in shown
