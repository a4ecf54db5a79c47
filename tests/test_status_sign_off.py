"""Status and history tell where a version stands in sign-off, with its explanations, and
the commands say what to do next."""

import json
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
from conftest import breach, write_log
from sqlmodel import select
from typer.testing import CliRunner

from statreturns import reports
from statreturns.app.cli import app
from statreturns.store.db import session
from statreturns.store.models import Decision, QualityResult, Run

# A warning in a ward outside the City Centre order raises the query PSPO-017.
WHEN = {"breach_datetime": "2025-03-10 21:15", "outcome_date": "2025-03-10"}
ROWS = [breach(breach_id="W1", **WHEN), breach(breach_id="W2", ward="Erdington", **WHEN)]
TODAY = f"{datetime.now(UTC):%Y-%m-%d}"


def cli(*args: str, code: int = 0):
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def status_of(period: str) -> dict:
    [row] = [r for r in json.loads(cli("status", "--json").stdout)
             if (r["return"], r["period"]) == ("pspo-breaches", period)]
    return row


def history_of(period: str) -> list[dict]:
    return json.loads(cli("history", "pspo-breaches", "-p", period, "--json").stdout)


def state(row: dict) -> tuple:
    return row["sign_off"], row["approved_by"], row["unexplained"], \
        [(e["code"], e["text"], e["author"]) for e in row["explanations"]]


@pytest.mark.usefixtures("harness")
def test_status_and_history_follow_a_version_through_explain_approve_and_submit(tmp_path):
    from prefect.logging.configuration import ensure_logging_setup

    from flows.pspo_breaches import pspo_breaches

    ensure_logging_setup()
    period = "R12-2025-04"
    where = f"pspo-breaches --period {period} --authority demo"
    log = write_log(tmp_path / "enforcement-log.csv", ROWS)
    assert pspo_breaches(period=period, authority="demo", inputs=[str(log)]).version == 1
    assert state(status_of(period)) == ("awaiting explanation", None, ["PSPO-017"], [])
    assert "1 query to explain" in cli("status").stdout

    refused = cli("approve", "pspo-breaches", "-p", period, "--name", "Alex Morgan", code=4)
    assert "the open queries PSPO-017 need an explanation. Explain each with:" in refused.output
    assert f'statreturns explain {where} --rule PSPO-017 --text "..." --author "Your Name"' \
        in refused.output

    explained = cli("explain", "pspo-breaches", "-p", period, "--rule", "PSPO-017",
                    "--text", "Erdington patrol crossed into the zone.", "--author",
                    "A. Officer")
    assert explained.stdout.splitlines()[-1] == (
        f'next, approve it with: statreturns approve {where} --name "Your Name"')
    explanation = ("PSPO-017", "Erdington patrol crossed into the zone.", "A. Officer")
    assert state(status_of(period)) == ("awaiting approval", None, [], [explanation])

    approved = cli("approve", "pspo-breaches", "-p", period, "--name", "Alex Morgan")
    assert approved.stdout.splitlines()[-1] == f"next, submit it with: statreturns submit {where}"
    row = status_of(period)
    assert state(row) == ("approved", "Alex Morgan", [], [explanation])
    assert row["approved_at"].startswith(TODAY) and row["submitted_at"] is None
    shown = cli("status").stdout  # a narrow column may wrap the name: the words are there
    assert "approved by" in shown and "Alex" in shown and TODAY in shown

    cli("submit", "pspo-breaches", "-p", period)
    row = status_of(period)
    assert (row["status"], *state(row)) == ("produced", "submitted", "Alex Morgan", [],
                                            [explanation])
    assert row["submitted_at"].startswith(TODAY)
    assert f"submitted {TODAY}" in cli("status").stdout

    # An unchanged rerun is the submitted version found again.
    pspo_breaches(period=period, authority="demo", inputs=[str(log)], trigger="rerun",
                  reason="nothing to correct")
    made, again = history_of(period)
    assert (again["status"], again["sign_off"]) == ("unchanged", "submitted")
    assert [e["code"] for e in made["explanations"]] == ["PSPO-017"]
    text = cli("history", "pspo-breaches", "-p", period).stdout
    assert text.count(f"sign-off: submitted {TODAY}") == 2
    assert text.count("explained PSPO-017 by A. Officer") == 1
    assert "Erdington patrol crossed into the zone." in text


def a_run(return_id: str, version: int | None, status: str = "produced",
          same_as_version: int | None = None) -> Run:
    run = Run(authority="demo", return_id=return_id, period="2031-01", version=version,
              status=status, same_as_version=same_as_version, started_at=datetime.now(UTC))
    with session() as s:
        s.add(run)
        s.commit()
        s.add(QualityResult(run_id=run.id, suite="s", code="X-1", expectation_type="e",
                            severity="query", success=False, rows_key="k", message="m"))
        s.commit()
    return run


@pytest.mark.store
def test_a_version_superseded_before_any_decision_says_so_and_blocked_runs_need_none():
    return_id = f"status-{uuid.uuid4().hex[:8]}"
    v1 = a_run(return_id, 1)
    a_run(return_id, None, "blocked")
    v2 = a_run(return_id, 2)
    a_run(return_id, None, "unchanged", same_as_version=2)
    rows = reports.runs(return_id, "2031-01", "demo")
    assert [(r["sign_off"], r["unexplained"]) for r in rows] == [
        ("superseded", ["X-1"]), ("not needed", []), ("awaiting explanation", ["X-1"]),
        ("awaiting explanation", ["X-1"])]
    with session() as s:
        s.add(Decision(run_id=v2.id, decision="rejected", approver="B. Lead",
                       at=datetime.now(UTC)))
        s.add(Decision(run_id=v1.id, decision="approved", approver="B. Lead",
                       at=datetime.now(UTC)))
        s.commit()
    rows = reports.runs(return_id, "2031-01", "demo")
    assert [(r["sign_off"], r["approved_by"]) for r in rows] == [
        ("approved", "B. Lead"), ("not needed", None), ("rejected", None), ("rejected", None)]
    assert [reports.sign_off_words(r) for r in rows] == [
        f"approved by B. Lead {TODAY}", "not needed", "rejected", "rejected"]


def _answer_each_pause(flow_run_id_of, answers: list[dict], seen: list[str]):
    """Resume the flow run with each answer in turn, at each of its pauses, keeping the
    description each form showed."""
    from prefect import get_client
    from prefect.flow_runs import resume_flow_run
    from prefect.input.actions import read_flow_run_input

    def resume():
        deadline, keys = time.monotonic() + 180, set()
        while answers and time.monotonic() < deadline:
            flow_run_id = flow_run_id_of()
            if flow_run_id:
                with get_client(sync_client=True) as client:
                    paused = client.read_flow_run(flow_run_id).state
                if paused and paused.is_paused() and paused.state_details.pause_key not in keys:
                    keyset = paused.state_details.run_input_keyset
                    seen.append(read_flow_run_input(keyset["description"], flow_run_id))
                    keys.add(paused.state_details.pause_key)
                    resume_flow_run(flow_run_id, run_input=answers.pop(0))
            time.sleep(0.5)

    thread = threading.Thread(target=resume, daemon=True)
    thread.start()
    return thread


@pytest.mark.usefixtures("harness")
def test_the_form_in_the_ui_says_why_an_answer_was_not_taken_and_then_takes_one(tmp_path):
    from flows.pspo_breaches import pspo_breaches

    period = "R12-2025-03"

    def flow_run_id():
        with session() as s:
            found = s.exec(select(Run).where(Run.period == period, Run.version.is_not(None))
                           .order_by(Run.id.desc())).first()
            return found.flow_run_id if found else None

    seen: list[str] = []
    answers = [{"explain_pspo_017": " ", "decision": "explain", "approver": "A. Officer"},
               {"explain_pspo_017": "Erdington is on the boundary.", "decision": "approve",
                "approver": "Chris Lee"},
               {"explain_pspo_017": "Erdington is on the boundary.", "decision": "explain",
                "approver": "A. Officer"},
               {"decision": "approve", "approver": "Chris Lee"}]
    resumer = _answer_each_pause(flow_run_id, answers, seen)
    state_ = pspo_breaches(period=period, authority="demo", return_state=True, sign_off=True,
                           inputs=[str(write_log(tmp_path / "enforcement-log.csv", ROWS))])
    resumer.join(timeout=5)
    summary = state_.result()
    assert (summary.sign_off, summary.approver) == ("approved", "Chris Lee")
    assert len(seen) == 4
    assert seen[0].startswith("Approving version 1 of **PSPO breach counts**")
    assert "- **PSPO-017**" in seen[0]
    assert seen[1].startswith("> **Not taken:** the explanation of PSPO-017 is blank\n\n")
    assert seen[2].startswith("> **Not taken:** Chris Lee explained the queries of version "
                              "1, so cannot approve it: four eyes. Who else may approve it: "
                              "Alex Morgan \\<alex.morgan@demo-city.gov.uk\\>, Dana Price")
    assert seen[3].endswith("There are no open queries.")
    [row] = history_of(period)
    assert state(row) == ("approved", "Chris Lee", [],
                          [("PSPO-017", "Erdington is on the boundary.", "A. Officer")])
