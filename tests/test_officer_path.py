"""The officer's path through the command line: a correction that sticks, a signed-off
version replaced only by a rerun, the authority from the environment, demo data that
overwrites nothing, a period not yet ended, both formats of a file, and each exit code."""

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import breach, write_log
from typer.testing import CliRunner

from statreturns.app.cli import app
from statreturns.settings import get_settings

pytestmark = pytest.mark.usefixtures("harness")
WHEN = {"breach_datetime": "2025-02-10 21:15", "outcome_date": "2025-02-10"}
# A warning in a ward outside the City Centre order raises the query PSPO-017.
ORIGINAL = [breach(breach_id="O1", **WHEN), breach(breach_id="O2", ward="Erdington", **WHEN)]
CORRECTED = [breach(breach_id="O1", **WHEN), breach(breach_id="O2", **WHEN)]


def cli(*args: str, code: int = 0, **env: str):
    """The command, in this process, under `env` as its environment's additions."""
    get_settings.cache_clear()  # settings are read once per process: read them anew
    try:
        result = CliRunner().invoke(app, list(args), env=env or None)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == code, result.output
    return result


def history(period: str, *more: str, **env: str) -> list[dict]:
    return json.loads(cli("history", "pspo-breaches", "-p", period, *more, "--json",
                          **env).stdout)


def inbox(authority: str, period: str):
    return get_settings().inbox / authority / "pspo-breaches" / period


def test_a_correction_sticks_and_a_submitted_version_is_replaced_only_by_a_rerun(tmp_path):
    period = "R12-2025-06"
    folder = inbox("demo", period)
    write_log(folder / "enforcement-log.csv", ORIGINAL)
    cli("run", "pspo-breaches", "-p", period)
    corrected = write_log(folder / "enforcement-log-corrected.csv", CORRECTED)

    given = cli("run", "pspo-breaches", "-p", period, "-i", str(corrected))
    assert "enforcement-log.csv was replaced by enforcement-log-corrected.csv" in given.stdout
    assert (folder / "enforcement-log.csv").read_bytes() == corrected.read_bytes()
    [v1, v2] = history(period)
    [kept] = [s["notes"] for s in v2["sources"]]
    archived = kept.split("kept at ")[1].split(";")[0]
    assert Path(archived).read_bytes() == Path(v1["sources"][0]["archive_path"]).read_bytes()
    cli("approve", "pspo-breaches", "-p", period, "--name", "Alex Morgan")
    cli("submit", "pspo-breaches", "-p", period)

    held = cli("run", "pspo-breaches", "-p", period, code=4)
    assert "version 2 of pspo-breaches R12-2025-06 was submitted on" in held.output
    assert f"statreturns rerun pspo-breaches --period {period}" in held.output
    same = cli("rerun", "pspo-breaches", "-p", period, "--reason", "checking")
    assert "no new version was made" in same.stdout  # the inbox holds the correction
    runs = history(period)
    assert [(r["status"], r["version"], r["same_as_version"]) for r in runs] == [
        ("produced", 1, None), ("produced", 2, None), ("unchanged", None, 2)]
    assert runs[-1]["sign_off"] == "submitted"

    write_log(folder / "enforcement-log.csv", [*CORRECTED, breach(breach_id="O3", **WHEN)])
    again = cli("rerun", "pspo-breaches", "-p", period, "--reason", "a breach was missing")
    assert "a resubmission replacing version 2" in again.stdout
    latest = history(period)[-1]
    assert (latest["version"], latest["resubmits"], latest["trigger"]) == (3, 2, "rerun")


def test_every_command_takes_its_authority_from_the_environment(tmp_path, monkeypatch):
    config = tmp_path / "config"
    shutil.copytree(get_settings().config, config)
    shutil.copytree(config / "authorities" / "demo", config / "authorities" / "northshire")
    (config / "authorities" / "northshire" / "authority.toml").write_text(
        'name = "Northshire Council"\n', encoding="utf-8")
    monkeypatch.setenv("STATRETURNS_CONFIG", str(config))
    get_settings.cache_clear()
    try:
        period = "R12-2025-02"
        env = {"STATRETURNS_AUTHORITY": "northshire"}
        log = write_log(inbox("northshire", period) / "enforcement-log.csv", ORIGINAL)
        cli("run", "pspo-breaches", "-p", period, **env)
        assert not inbox("demo", period).exists()
        cli("rerun", "pspo-breaches", "-p", period, "--reason", "two more", "--force", **env)
        [run] = [r for r in json.loads(cli("status", "--json", **env).stdout)
                 if r["period"] == period]
        assert run["authority"] == "northshire"
        assert "version 1 -> 2" in cli("diff", "pspo-breaches", "-p", period, **env).stdout
        cli("explain", "pspo-breaches", "-p", period, "--rule", "PSPO-017", "--text",
            "A patrol crossed the boundary.", "--author", "A. Officer", **env)
        cli("approve", "pspo-breaches", "-p", period, "--name", "Alex Morgan", **env)
        cli("submit", "pspo-breaches", "-p", period, **env)
        runs = history(period, **env)
        assert [(r["authority"], r["version"]) for r in runs] == [("northshire", 1),
                                                                  ("northshire", 2)]
        assert runs[-1]["sign_off"] == "submitted" and log.exists()
        assert history(period, "--authority", "demo") == []  # nothing of it for the demo
        cli("calendar", "--json", **env)

        # Unset, the one council configured besides the demo is meant; an unknown one is refused.
        assert [r["authority"] for r in history(period)] == ["northshire", "northshire"]
        refused = cli("run", "pspo-breaches", "-p", period, code=2,
                      STATRETURNS_AUTHORITY="nowhere")
        assert "authority 'nowhere' has no settings for pspo-breaches" in refused.output
    finally:
        get_settings.cache_clear()


def test_demo_data_never_replaces_a_file_in_the_inbox():
    period = "2025-05"
    cli("generate", "pspo-breaches", "-p", period)
    log = inbox("demo", period) / "enforcement-log.csv"
    generated = log.read_bytes()
    cli("generate", "pspo-breaches", "-p", period)  # the same content again: nothing to refuse
    log.write_bytes(generated.replace(b"Ladywood", b"Nechells"))
    refused = cli("generate", "pspo-breaches", "-p", period, code=2)
    assert f"{log} is already in the inbox" in refused.output.replace("\n", "")
    assert b"Nechells" in log.read_bytes()
    backfill = cli("backfill", "pspo-breaches", "--from", period, "--to", period,
                   "--demo-data", code=2)
    assert "--replace" in backfill.output and b"Nechells" in log.read_bytes()
    cli("generate", "pspo-breaches", "-p", period, "--replace")
    assert log.read_bytes() == generated


def test_a_period_not_yet_ended_is_run_only_as_provisional():
    period = f"{date.today():%Y-%m}"  # this month: it has not ended
    write_log(inbox("demo", period) / "enforcement-log.csv",
              [breach(breach_datetime=f"{period}-01 21:15", outcome_date=f"{period}-01")])
    refused = cli("run", "pspo-breaches", "-p", period, code=2)
    assert "has not ended" in refused.output and "--provisional" in refused.output
    made = cli("run", "pspo-breaches", "-p", period, "--provisional")
    assert "provisional: the period has not ended" in made.stdout
    [run] = history(period)
    assert run["provisional"] is True
    names = sorted(o["path"].rsplit("/", 1)[1] for o in run["outputs"])
    assert all("-provisional." in n for n in names if n != "manifest.json"), names


def test_both_formats_of_one_file_are_refused_naming_both():
    period = "R12-2025-01"
    folder = inbox("demo", period)
    write_log(folder / "enforcement-log.csv", ORIGINAL)
    (folder / "enforcement-log.xlsx").write_bytes(b"PK\x03\x04")
    refused = cli("run", "pspo-breaches", "-p", period, code=2)
    words = refused.output.replace("\n", " ")
    assert "enforcement-log.csv and enforcement-log.xlsx are both in" in words
    assert history(period) == []


def test_a_blocked_run_ends_in_a_state_the_ui_does_not_show_as_success(tmp_path):
    from prefect.client.orchestration import get_client

    period = "2024-Q2"
    write_log(inbox("demo", period) / "enforcement-log.csv",
              [breach(order="Nowhere", breach_datetime="2024-08-10 21:15",
                      outcome_date="2024-08-10")])
    blocked = cli("run", "pspo-breaches", "-p", period, code=1)
    assert "PSPO-006" in blocked.stdout
    [run] = history(period)
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run["flow_run_id"]).state
    assert (state.type.value, state.name) == ("FAILED", "Blocked")
    assert run["trigger"] == "manual"
