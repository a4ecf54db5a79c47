"""The statreturns command: refusals before anything runs, exit codes, status and history."""

import dataclasses
import json
import os
import subprocess
import sys

import pytest
from conftest import PERIOD, breach, write_log

from statreturns.settings import PROJECT_ROOT as ROOT
from statreturns.settings import get_settings

pytestmark = pytest.mark.usefixtures("harness")


def command(*args: str) -> subprocess.CompletedProcess:
    """The command in its own process, as an officer's terminal runs it."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    return subprocess.run([sys.executable, "-m", "statreturns.app.cli", *args], env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("args, words", [
    (["--period", "June 2024"], "is not a period"),
    (["--period", "2024-13"], "is not a period"),
    (["--period", PERIOD, "--authority", "../../etc"], "is not allowed"),
    (["--period", PERIOD, "--authority", "nowhere"], "has no settings"),
])
def test_bad_arguments_are_refused_before_anything_runs(args, words):
    from statreturns.reports import latest_runs

    before = len(latest_runs())
    result = command("run", "pspo-breaches", *args)
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert len(latest_runs()) == before


def test_a_flow_module_run_on_its_own_checks_its_arguments_and_says_how_it_went(tmp_path):
    """``python flows/<return>.py PERIOD [AUTHORITY]``, as the README shows it."""
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}

    def module(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "flows/pspo_breaches.py", *args], env=env,
                              capture_output=True, text=True, timeout=300, cwd=ROOT)

    refused = module("2024-13")
    assert refused.returncode == 2 and "Refused: '2024-13' is not a period" in refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    period = "2024-05"
    write_log(get_settings().inbox / "demo" / "pspo-breaches" / period / "enforcement-log.csv",
              [breach(breach_datetime="2024-05-03 20:00", outcome_date="2024-05-03")])
    produced = module(period)
    assert produced.returncode == 0, produced.stderr
    assert produced.stdout.strip().splitlines()[-1] == (
        f"produced: {get_settings().outputs / 'demo' / 'pspo-breaches' / period / 'v1'}")


def test_an_unknown_return_is_refused():
    result = command("run", "../pspo", "--period", PERIOD)
    assert result.returncode == 2 and "no return" in result.stderr


def test_a_period_type_the_return_does_not_take_is_refused(pspo):
    from flows.skeleton import RunRefused, prepare
    from statreturns.periods import PeriodType

    rolling_only = dataclasses.replace(pspo, period_types=(PeriodType.ROLLING_12,))
    with pytest.raises(RunRefused, match="not made for a financial-year period"):
        prepare(rolling_only, "2026/27", "demo")
    assert str(prepare(rolling_only, PERIOD, "demo").period) == PERIOD


def test_run_exit_codes_and_status_json(tmp_path):
    good = write_log(tmp_path / "good" / "enforcement-log.csv", [breach(breach_id="G1")])
    produced = command("run", "pspo-breaches", "-p", "2026-Q1", "-i", str(good))
    assert produced.returncode == 0, produced.stderr
    assert "version 1" in produced.stdout

    bad = write_log(tmp_path / "bad" / "enforcement-log.csv", [breach(order="Nowhere")])
    blocked = command("run", "pspo-breaches", "-p", "2026-Q1", "-i", str(bad),
                      "--reason", "correction")
    assert blocked.returncode == 1
    assert "PSPO-006" in blocked.stdout
    assert "Traceback" not in blocked.stdout + blocked.stderr

    status = command("status", "--json")
    rows = [r for r in json.loads(status.stdout)
            if (r["return"], r["period"]) == ("pspo-breaches", "2026-Q1")]
    [latest] = rows
    assert latest["status"] == "blocked" and latest["latest_version"] == 1
    assert latest["data_quality"]["errors"] == 1
    failed = [r for r in latest["data_quality"]["results"] if not r["success"]]
    assert [r["code"] for r in failed] == ["PSPO-006"]
    assert failed[0]["location"] == "enforcement-log.csv, column C (order), row 2"

    history = command("history", "pspo-breaches", "--period", "2026-Q1", "--json")
    runs = json.loads(history.stdout)
    assert [(r["status"], r["version"], r["reason"]) for r in runs] == [
        ("produced", 1, ""), ("blocked", None, "correction")]


def test_list_shows_each_declared_return():
    result = command("list")
    assert result.returncode == 0
    assert "pspo-breaches" in result.stdout and "PSPO breach counts" in result.stdout


def test_rules_lists_every_rule_of_a_return_in_words():
    import csv
    import io

    result = command("rules", "pspo-breaches", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["code"] for r in rows] == [f"PSPO-{n:03d}" for n in range(1, 22) if n != 4] + [
        f"PSPO-R{n:02d}" for n in range(1, 8)]
    first = rows[0]
    assert (first["return"], first["suite"], first["checks"], first["severity"],
            first["columns"], first["rule"]) == (
        "pspo-breaches", "enforcement-log", "Enforcement log", "error", "breach_id",
        "Every breach has a breach id.")
    assert rows[-1]["checks"] == "the assembled return" and rows[-1]["suite"] == "rows-in-period"
    assert all(r["rule"] and r["severity"] in ("error", "query") for r in rows)
    assert first["blocks because"] == ("A breach without an id cannot be told from a copy of "
                                       "itself, so the counts could include it twice.")


def test_every_error_of_every_return_says_why_it_blocks():
    """An error blocks a return: each says which wrong figure producing it would publish or
    submit. A query blocks nothing and says no such thing."""
    from statreturns.app.rules import catalogue

    rows = catalogue()
    assert {r["severity"] for r in rows} == {"error", "query"}
    assert [r["code"] for r in rows if (r["severity"] == "error") != bool(r["blocks because"])
            ] == []


def test_rules_of_an_unknown_return_are_refused():
    result = command("rules", "nowhere")
    assert result.returncode == 2 and "no return 'nowhere'" in result.stderr


def test_a_version_is_corrected_explained_approved_and_submitted_once(tmp_path):
    period = "R12-2025-09"
    dated = {"breach_datetime": "2025-06-10 21:15", "outcome_date": "2025-06-10"}
    log = write_log(tmp_path / "a" / "enforcement-log.csv", [
        breach(breach_id="S1", **dated), breach(breach_id="S2", ward="Erdington", **dated)])
    assert command("run", "pspo-breaches", "-p", period, "-i", str(log)).returncode == 0
    unchanged = command("rerun", "pspo-breaches", "-p", period, "-i", str(log),
                        "--reason", "nothing")
    assert unchanged.returncode == 0 and "no new version was made" in unchanged.stdout
    fixed = write_log(tmp_path / "b" / "enforcement-log.csv", [
        breach(breach_id="S1", **dated), breach(breach_id="S2", ward="Erdington", **dated),
        breach(breach_id="S3", ward="Nechells", **dated)])
    assert command("rerun", "pspo-breaches", "-p", period, "-i", str(fixed),
                   "--reason", "a breach was missing").returncode == 0

    changes = json.loads(command("diff", "pspo-breaches", "-p", period, "--json").stdout)
    assert (changes["from"], changes["to"]) == (1, 2)
    # breaches are events: the diff shows the count as counted, however small
    assert {"table": "by_ward", "row": "Nechells", "column": "City Centre", "old": "0",
            "new": "1"} in changes["cells"]
    assert all("[c]" not in (c["old"], c["new"]) for c in changes["cells"])

    refused = command("approve", "pspo-breaches", "-p", period, "--name", "Alex Morgan")
    assert refused.returncode == 4 and "PSPO-017 need an explanation" in refused.stderr
    assert "statreturns explain pspo-breaches --period R12-2025-09" in refused.stderr
    assert command("submit", "pspo-breaches", "-p", period).returncode == 4
    assert command("explain", "pspo-breaches", "-p", period, "--rule", "PSPO-017",
                   "--text", "Erdington patrol crossed into the zone.",
                   "--author", "A. Officer").returncode == 0
    approved = command("approve", "pspo-breaches", "-p", period, "--name", "Alex Morgan")
    assert approved.returncode == 0, approved.stderr
    submitted = command("submit", "pspo-breaches", "-p", period)
    assert submitted.returncode == 0, submitted.stderr
    assert (f"submitted the publication package of version 2 of pspo-breaches {period} to "
            in submitted.stdout)
    delivered = get_settings().outbox / "demo" / "pspo-breaches" / period / "v2"
    package = get_settings().outputs / "demo" / "pspo-breaches" / period / "v2" / "publication"
    assert json.loads((delivered / "receipt.json").read_text())["package"] == "publication"
    assert sorted(p.name for p in delivered.iterdir()) == sorted(
        [p.name for p in package.iterdir()] + ["receipt.json"])
    again = command("submit", "pspo-breaches", "-p", period)
    assert again.returncode == 4 and "version 2 was submitted on" in again.stderr

    runs = json.loads(command("history", "pspo-breaches", "-p", period, "--json").stdout)
    assert [(r["status"], r["version"], r["same_as_version"]) for r in runs] == [
        ("produced", 1, None), ("unchanged", None, 1), ("produced", 2, None)]
    assert runs[2]["decisions"][0]["decision"] == "approved"
    assert runs[2]["decisions"][0]["by"] == "Alex Morgan"
    assert runs[2]["submitted"]["destination"] == f"demo/pspo-breaches/{period}/v2"


def test_a_backfill_records_one_run_and_version_per_period():
    result = command("backfill", "pspo-breaches", "--from", "2025-01", "--to", "2025-03",
                     "--demo-data", "--reason", "definition changed")
    assert result.returncode == 0, result.stderr
    assert "3 of 3 periods run: 3 produced or unchanged, 0 not" in result.stdout
    for period in ("2025-01", "2025-02", "2025-03"):
        [run] = json.loads(command("history", "pspo-breaches", "-p", period, "--json").stdout)
        assert (run["trigger"], run["reason"], run["version"], run["status"]) == (
            "backfill", "definition changed", 1, "produced")
    refused = command("backfill", "pspo-breaches", "--from", "2025-03", "--to", "2025-01")
    assert refused.returncode == 2 and "comes before" in refused.stderr
