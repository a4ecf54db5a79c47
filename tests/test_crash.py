"""A run killed at each stage boundary leaves nothing partial under outputs/, is marked
crashed in the store and in Prefect, and a rerun makes the bytes an unbroken run makes."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import breach, ran, write_log
from sqlmodel import select

from flows.pspo_breaches import pspo_breaches
from statreturns.settings import get_settings
from statreturns.store.db import session
from statreturns.store.models import Run

pytestmark = pytest.mark.usefixtures("harness")
ROOT = Path(__file__).resolve().parents[1]
PERIOD = "R12-2026-10"
ROWS = [breach(breach_id=f"K{i}", ward=ward) for i, ward in
        enumerate(["Ladywood", "Nechells", "Ladywood", "Aston", "Ladywood", "Ladywood"])]
BOUNDARIES = [("collect", "before"), ("collect", "after"), ("validate source", "after"),
              ("assemble", "after"), ("validate return", "after"),
              ("move into place", "before"), ("move into place", "after"),
              ("record", "after"), ("publish", "after")]


@pytest.fixture
def own_home(tmp_path, monkeypatch, own_store):
    """A home of its own (store, inbox, outputs) holding the period's enforcement log."""
    home = tmp_path / "home"
    monkeypatch.setenv("STATRETURNS_HOME", str(home))
    get_settings.cache_clear()
    write_log(home / "var" / "inbox" / "demo" / "pspo-breaches" / PERIOD /
              "enforcement-log.csv", ROWS)
    yield home
    get_settings.cache_clear()


def outputs_of(summary: dict) -> dict[str, bytes]:
    """Every file of the version, its packages' included, by its path in the version."""
    folder = Path(summary.outputs_dir)
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def unbroken(tmp_path_factory) -> dict[str, bytes]:
    """The outputs of a run nobody interrupted, in a home (and a store) of its own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("STATRETURNS_HOME", str(tmp_path_factory.mktemp("unbroken")))
        patch.delenv("STATRETURNS_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        write_log(get_settings().inbox / "demo" / "pspo-breaches" / PERIOD /
                  "enforcement-log.csv", ROWS)
        summary = ran(pspo_breaches, period=PERIOD, authority="demo")
        outputs = outputs_of(summary)
        get_settings.cache_clear()
    assert summary.status == "produced"
    assert {name.split("/")[0] for name in outputs if "/" in name} == {
        "board", "exempt", "publication"}
    return outputs


def _whole(folder: Path) -> dict:
    """`folder`'s manifest, once it is found to list exactly the files the folder holds,
    with their checksums."""
    files = {p.name: p for p in folder.iterdir() if p.is_file()}
    manifest = json.loads(files.pop("manifest.json").read_text())
    listed = {f["name"]: f["sha256"] for f in manifest["files"]}
    assert listed == {n: hashlib.sha256(p.read_bytes()).hexdigest() for n, p in files.items()}
    return manifest


def nothing_partial(outputs: Path) -> None:
    """Every folder under outputs/ is a whole version: its manifest lists exactly the files
    it holds, with their checksums, and names exactly the packages it holds, each whole
    and as its manifest's checksum says; nothing hidden, nothing half-written."""
    for path in outputs.rglob("*"):
        assert not path.name.startswith("."), f"{path} is visible under outputs/"
    for version in outputs.rglob("v*/"):
        packages = _whole(version)["packages"]
        assert packages and {p.name for p in version.iterdir() if p.is_dir()} == set(packages)
        for name, sha in packages.items():
            _whole(version / name)
            assert not [p for p in (version / name).iterdir() if p.is_dir()]
            assert hashlib.sha256((version / name / "manifest.json").read_bytes()) \
                .hexdigest() == sha


def kill(stage: str, when: str, home: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "STATRETURNS_HOME": str(home),
           "PREFECT_API_URL": PREFECT_API_URL.value()}
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "killed_run.py"),
                           "pspo-breaches", PERIOD, stage, when], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -9, done.stderr[-2000:]


def prefect_state(flow_run_id: str):
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(flow_run_id).state


@pytest.mark.parametrize("stage, when", BOUNDARIES)
def test_a_run_killed_at_a_stage_boundary_leaves_things_in_order(stage, when, own_home,
                                                                 unbroken):
    kill(stage, when, own_home)
    outputs = own_home / "outputs"
    nothing_partial(outputs)
    with session() as s:
        [killed] = s.exec(select(Run)).all()
    assert killed.status == ("produced" if stage in ("record", "publish") else "running")

    rerun = ran(pspo_breaches, period=PERIOD, authority="demo", trigger="rerun",
                          reason="after a crash")

    with session() as s:
        killed = s.get(Run, killed.id)
    recorded = stage in ("record", "publish")
    assert (killed.status, killed.process) == ("produced" if recorded else "crashed", None)
    assert killed.version == (1 if recorded else None)
    assert prefect_state(killed.flow_run_id).type.value == "CRASHED"
    assert rerun.status == ("unchanged" if recorded else "produced")
    assert rerun.version == 1
    assert outputs_of(rerun) == unbroken
    nothing_partial(outputs)
    assert list((own_home / "var" / "staging").glob("*")) == []
    put_aside = own_home / "var" / "crashed" / f"run-{killed.id}"
    assert put_aside.exists() == ((stage, when) == ("move into place", "after"))


def test_a_process_is_alive_until_it_ends_and_elsewhere_is_not_known():
    from statreturns.processes import alive, this_process

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    host = this_process().split(":")[0]
    ours = f"{host}:{child.pid}:{Path(f'/proc/{child.pid}/stat').read_text().split()[21]}"
    assert alive(this_process()) is True and alive(ours) is True
    assert alive(f"{host}:{child.pid}:1") is False  # the same number, another process
    child.kill()
    child.wait()
    assert alive(ours) is False
    assert alive(f"elsewhere:{child.pid}:1") is None


def test_a_run_on_another_machine_is_crashed_once_prefect_has_ended_its_flow_run(
        own_home, monkeypatch):
    from datetime import UTC, datetime

    from prefect.states import Crashed, Running

    import tasks.recover as recover

    states = {"ended": Crashed(), "going": Running()}
    monkeypatch.setattr(recover, "_flow_run_state", lambda flow_run_id: states[flow_run_id])
    monkeypatch.setattr(recover, "get_run_logger", lambda: __import__("logging").getLogger())
    with session() as s:
        for flow_run_id in states:
            s.add(Run(authority="demo", return_id="pspo-breaches", period=flow_run_id,
                      flow_run_id=flow_run_id, started_at=datetime.now(UTC),
                      process="elsewhere:123:456"))
        s.commit()
    assert len(recover.recover_crashed()) == 1
    with session() as s:
        found = {r.flow_run_id: (r.status, r.process) for r in s.exec(select(Run))}
    assert found == {"ended": ("crashed", None), "going": ("running", "elsewhere:123:456")}


def test_a_run_that_ends_as_it_is_being_recovered_keeps_its_version(own_home, monkeypatch):
    from datetime import UTC, datetime

    import tasks.recover as recover

    with session() as s:
        ended = Run(authority="demo", return_id="pspo-breaches", period=PERIOD, version=1,
                    status="produced", started_at=datetime.now(UTC), process=None)
        s.add(ended)
        s.commit()
        s.refresh(ended)
    folder = own_home / "outputs" / "demo" / "pspo-breaches" / PERIOD / "v1"
    folder.mkdir(parents=True)
    # As it was read a moment before it ended: running, its process now gone.
    seen = Run(**{**ended.model_dump(), "status": "running", "process": "gone:1:1"})
    monkeypatch.setattr(recover, "_crashed", lambda run: True)
    assert recover._claim(seen) is None
    with session() as s:
        assert (s.get(Run, ended.id).status, s.get(Run, ended.id).version) == ("produced", 1)
    assert folder.is_dir()
