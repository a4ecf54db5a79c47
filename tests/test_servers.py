"""Which Prefect server a command's runs report to: the one Prefect's settings name; else
the one `statreturns ops serve` runs for this home, where it takes this process's
credential; else a temporary one of the command's own."""

import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from prefect.settings import get_current_settings, temporary_settings

from statreturns.app import ops, servers
from statreturns.settings import get_settings


class Answers(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802 (the standard library's name)
        self.send_response(200 if self.path.endswith("/health") else self.status)
        self.end_headers()
        self.wfile.write(b"true")

    def log_message(self, *args):
        pass


@pytest.fixture
def served(tmp_path, monkeypatch):
    """A server answering on 127.0.0.1 (as `ops serve`'s would), announced for this home;
    the temporary servers started instead are recorded (a process that waits)."""
    monkeypatch.setenv("STATRETURNS_HOME", str(tmp_path))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    get_settings.cache_clear()
    (tmp_path / "var" / "server").mkdir(parents=True)
    answers = type("Answers", (Answers,), {})
    http = ThreadingHTTPServer(("127.0.0.1", 0), answers)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    started = []
    monkeypatch.setattr(ops, "start_server", lambda port, env, log: started.append(
        env["PREFECT_API_URL"]) or subprocess.Popen(["sleep", "60"], start_new_session=True))
    monkeypatch.setattr(ops, "wait_until_healthy", lambda api_url, timeout: None)
    with temporary_settings(restore_defaults={"api.url"}):
        yield f"http://127.0.0.1:{http.server_port}/api", answers, started
    http.shutdown()
    get_settings.cache_clear()


def test_a_command_reports_to_the_server_ops_serve_runs_for_this_home(served):
    api_url, _, started = served
    servers.announce(api_url)
    with servers.for_runs() as server:
        assert (server.api_url, server.own) == (api_url, False)
        with server.ready():
            assert get_current_settings().api.url == api_url
            assert get_current_settings().flows.heartbeat_frequency == 180  # it outlives us
    assert started == []
    servers.withdraw()
    assert servers.running_here() is None


@pytest.mark.subprocess
def test_without_one_that_takes_us_a_command_starts_its_own_and_stops_it(served):
    api_url, answers, started = served
    answers.status = 401  # serving, but asking for a credential this process does not have
    servers.announce(api_url)
    with servers.for_runs() as server:
        assert server.own and server.api_url != api_url
        assert started == []  # not until a run is about to start: a refused one needs none
        loaded = []
        with server.ready(meanwhile=lambda: loaded.append(started[:])):
            assert loaded == [[server.api_url]]  # loading while it starts
            assert get_current_settings().api.url == server.api_url
            assert get_current_settings().flows.heartbeat_frequency is None  # stops with us
        process = server.process
    assert process.poll() is not None  # stopped with the command
    servers.withdraw()  # nothing announced: the same
    with servers.for_runs() as server, server.ready():
        assert server.own and len(started) == 2


def test_a_server_prefects_settings_name_is_used_as_it_is(served):
    api_url, _, started = served
    servers.announce(api_url)
    with temporary_settings(updates={"api.url": "http://prefect.example:4200/api"}), \
            servers.for_runs() as server:
        assert (server.api_url, server.own) == (None, False)
    assert started == []
