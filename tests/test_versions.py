"""Corrections, versions, explanations, sign-off and submission."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import breach, ran, write_log
from sqlmodel import select

from flows.pspo_breaches import DECLARATION, pspo_breaches
from flows.skeleton import RunHeld, return_flow
from statreturns.declaration import BOARD, PUBLICATION, Disclosure
from statreturns.periods import parse_period
from statreturns.store.db import session
from statreturns.store.models import Change, Decision, Run
from tasks.sign_off import SignOffRefused, decide, explain, open_queries
from tasks.submit import SubmitRefused, submit_version
from tasks.versions import good_versions

pytestmark = pytest.mark.usefixtures("harness")
# A warning in a ward outside the City Centre order raises the query PSPO-017.
ROWS = [breach(breach_id="V1"), breach(breach_id="V2", ward="Nechells"),
        breach(breach_id="V3", ward="Erdington", place="Six Ways")]


def within(period: str, rows: list[dict] = ROWS) -> list[dict]:
    """The rows, dated inside the period where their own dates are not (each test keeps to
    its own ended period, so that no two share versions)."""
    span = parse_period(period)
    if span.start <= date(2026, 6, 10) <= span.end:
        return rows
    day = span.end - timedelta(days=40)
    return [{**row, "breach_datetime": f"{day} 21:15", "outcome_date": str(day)}
            for row in rows]


def run(tmp_path: Path, rows: list[dict], period: str, **flow) -> dict:
    path = write_log(tmp_path / f"{len(list(tmp_path.glob('*')))}" / "enforcement-log.csv",
                     within(period, rows))
    return ran(pspo_breaches, period=period, authority="demo", inputs=[str(path)], **flow)


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file of a version folder, its packages' included, by its path in the folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def the_run(summary: dict) -> Run:
    with session() as s:
        return s.get(Run, summary.run_id)


def test_a_correction_makes_v2_with_what_changed_cell_by_cell(tmp_path):
    first = run(tmp_path, ROWS, "R12-2026-06")
    corrected = [*ROWS[:2], breach(breach_id="V3", ward="Ladywood", place="Six Ways")]
    second = run(tmp_path, corrected, "R12-2026-06", trigger="rerun", reason="ward corrected")
    assert (first.version, second.version) == (1, 2)
    assert Path(first.outputs_dir).is_dir() and Path(second.outputs_dir).is_dir()
    with session() as s:
        changes = s.exec(select(Change).where(Change.run_id == second.run_id)
                         .order_by(Change.id)).all()
    # Versions are compared exactly: breaches are events, published as counted.
    assert [(c.kind, c.table, c.row, c.column, c.old, c.new) for c in changes] == [
        ("cell", "by_ward", "Erdington", "City Centre", "1", "0"),
        ("cell", "by_ward", "Erdington", "Total", "1", "0"),
        ("cell", "by_ward", "Ladywood", "City Centre", "1", "2"),
        ("cell", "by_ward", "Ladywood", "Total", "1", "2"),
        ("newly passing", "", "", "PSPO-017", "", "")]
    cells = [c for c in changes if c.kind == "cell"]
    assert second.changed_cells == len(cells) > 0


def test_a_run_withholds_its_public_tables_once(tmp_path, monkeypatch):
    """Withholding and its linear-programming audit run once per run: what changed since
    the previous version and every output are made from that one result. PSPO's tables
    count events, so here its ward table is declared to count people."""
    import tasks.render

    handed = []
    suppress_together = tasks.render.suppress_together

    def counted(tables, threshold):
        handed.append(sorted(tables))
        return suppress_together(tables, threshold)

    monkeypatch.setattr(tasks.render, "suppress_together", counted)
    declaration = replace(DECLARATION, tables=tuple(
        replace(t, disclosure=Disclosure("people", "people")) if t.name == "by_ward" else t
        for t in DECLARATION.tables))
    assert not any(t.disclosure.withholds for t in DECLARATION.tables
                   if t.is_for(BOARD) or t.is_for(PUBLICATION))
    people_flow = return_flow(declaration)
    versions = []
    for rows in (ROWS, ROWS[:2]):  # a first version, then one compared with it
        handed.clear()
        path = write_log(tmp_path / str(len(versions)) / "enforcement-log.csv",
                         within("R12-2024-07", rows))
        summary = ran(people_flow, period="R12-2024-07", authority="demo", inputs=[str(path)])
        versions.append(summary.version)
        # only the people table on the public paper or in open data: not the exempt one
        assert handed == [["by_ward"]]
        document = json.loads(next(Path(summary.outputs_dir).glob("*.json")).read_text())
        assert document["tables"]["by_ward"]["withheld"] is True
        assert document["tables"]["order_totals"]["withheld"] is False
    assert versions == [1, 2]


def test_an_unchanged_rerun_makes_no_new_version_unless_forced(tmp_path):
    first = run(tmp_path, ROWS, "R12-2026-07")
    again = run(tmp_path, ROWS, "R12-2026-07", trigger="rerun", reason="nothing to correct")
    assert (again.status, again.version) == ("unchanged", first.version)
    assert the_run(again).same_as_version == first.version
    assert [r.version for r in good_versions("demo", "pspo-breaches", "R12-2026-07")] == [1]
    forced = run(tmp_path, ROWS, "R12-2026-07", force=True)
    assert (forced.status, forced.version) == ("produced", 2)
    first_bytes = files_of(Path(first.outputs_dir))
    forced_bytes = files_of(Path(forced.outputs_dir))
    pdf = "board/pspo-breaches-R12-2026-07-board.pdf"
    assert first_bytes.keys() == forced_bytes.keys() and pdf in first_bytes
    assert "exempt/pspo-breaches-R12-2026-07-exempt.pdf" in first_bytes


def test_an_explanation_holds_while_its_rows_do_and_is_asked_again_when_they_change(tmp_path):
    first = run(tmp_path, ROWS, "R12-2026-08")
    v1 = the_run(first)
    assert [q.code for q in open_queries(v1)] == ["PSPO-017"]
    with pytest.raises(SignOffRefused, match="PSPO-017 need an explanation"):
        decide(v1, "approve", "Alex Morgan")
    assert explain(v1, "PSPO-017", "Six Ways straddles the ward boundary.", "A. Officer") == 1
    assert open_queries(v1) == []

    # A rerun that changes another row: the query's rows are the same, so it stays answered.
    other = [*ROWS, breach(breach_id="V4", ward="Nechells")]
    v2 = the_run(run(tmp_path, other, "R12-2026-08"))
    assert v2.version == 2 and open_queries(v2) == []
    assert decide(v2, "approve", "Chris Lee", "explained") == "approved"

    # A rerun that changes the queried row itself: asked for again.
    changed = [*other[:2], breach(breach_id="V3", ward="Stockland Green", place="Six Ways"),
               other[3]]
    v3 = the_run(run(tmp_path, changed, "R12-2026-08", trigger="rerun",
                     reason="place corrected after approval"))
    assert [q.code for q in open_queries(v3)] == ["PSPO-017"]
    assert v3.resubmits == 2  # version 2 was approved: this one replaces it


def _resume_when_paused(flow_run_id_of, answers: list[dict]) -> threading.Thread:
    """Resume the flow run with each of the sign-off form's answers in turn, one a pause."""
    from prefect import get_client
    from prefect.flow_runs import resume_flow_run

    def resume():
        deadline, keys = time.monotonic() + 120, set()
        while answers and time.monotonic() < deadline:
            flow_run_id = flow_run_id_of()
            if flow_run_id:
                with get_client(sync_client=True) as client:
                    state = client.read_flow_run(flow_run_id).state
                if state and state.is_paused() and state.state_details.pause_key not in keys:
                    keys.add(state.state_details.pause_key)
                    resume_flow_run(flow_run_id, run_input=answers.pop(0))
            time.sleep(0.5)

    thread = threading.Thread(target=resume, daemon=True)
    thread.start()
    return thread


def _latest_flow_run(period: str):
    def find():
        with session() as s:
            found = s.exec(select(Run).where(Run.period == period, Run.version.is_not(None))
                           .order_by(Run.id.desc())).first()
            return found.flow_run_id if found else None
    return find


@pytest.mark.parametrize("answers, outcome", [
    ([{"decision": "explain", "approver": "A. Officer",
       "explain_pspo_017": "Six Ways is on the boundary."},
      {"decision": "approve", "approver": "Chris Lee", "comment": "fine"}], "approved"),
    ([{"decision": "reject", "approver": "Chris Lee", "comment": "ward wrong",
       "explain_pspo_017": "ward wrong"}], "rejected"),
])
def test_sign_off_in_the_ui_approves_or_rejects(tmp_path, monkeypatch, answers, outcome):
    assert DECLARATION.sign_off
    period = "R12-2026-09" if outcome == "approved" else "R12-2024-11"
    resumer = _resume_when_paused(_latest_flow_run(period), answers)
    state = pspo_breaches(period=period, authority="demo", return_state=True, sign_off=True,
                          inputs=[str(write_log(tmp_path / "enforcement-log.csv",
                                                within(period)))])
    resumer.join(timeout=5)
    summary = state.result()
    assert summary.sign_off == outcome and summary.approver == "Chris Lee"
    assert state.name == ("Approved" if outcome == "approved" else "Rejected")
    with session() as s:
        [decision] = s.exec(select(Decision).where(Decision.run_id == summary.run_id)).all()
    assert (decision.decision, decision.approver) == (outcome, "Chris Lee")
    assert (decision.email, decision.made_from) == ("chris.lee@demo-city.gov.uk",
                                                    "sign-off form")


def test_the_outbox_takes_only_the_approved_current_version_once(tmp_path, home):
    outbox = tmp_path / "outbox"
    v1 = the_run(run(tmp_path, ROWS[:1], "R12-2024-12"))
    with pytest.raises(SubmitRefused, match="version 1 is not approved"):
        submit_version(v1, v1, outbox)
    decide(v1, "approve", "Dana Price")
    with pytest.raises(RunHeld, match="version 1 of pspo-breaches R12-2024-12 was approved"):
        run(tmp_path, ROWS[:2], "R12-2024-12")
    v2 = the_run(run(tmp_path, ROWS[:2], "R12-2024-12", trigger="rerun", reason="V2 added"))
    assert v2.resubmits == 1
    with pytest.raises(SubmitRefused, match="version 1 is superseded by version 2"):
        submit_version(v1, v2, outbox)
    with pytest.raises(SignOffRefused, match="version 1 is not the latest version made"):
        decide(v1, "approve", "Dana Price")
    decide(v2, "reject", "Dana Price", "not yet")
    with pytest.raises(SubmitRefused, match="not approved \\(it was rejected\\)"):
        submit_version(v2, v2, outbox)
    decide(v2, "approve", "Dana Price")
    receipt = submit_version(v2, v2, outbox)
    delivered = outbox / "demo" / "pspo-breaches" / "R12-2024-12" / "v2"
    assert receipt.destination == "demo/pspo-breaches/R12-2024-12/v2"
    # PSPO's recipient is the open-data portal: the publication package, and only it
    assert receipt.package == DECLARATION.delivers == "publication"
    package = Path(v2.outputs_dir) / "publication"
    assert sorted(p.name for p in delivered.iterdir()) == sorted(
        [p.name for p in package.iterdir()] + ["receipt.json"])
    for p in package.iterdir():
        assert (delivered / p.name).read_bytes() == p.read_bytes()
    root = json.loads((Path(v2.outputs_dir) / "manifest.json").read_text())
    assert root["packages"]["publication"] == receipt.package_sha256
    assert json.loads((delivered / "receipt.json").read_text())["package"] == "publication"
    with pytest.raises(SubmitRefused, match="version 2 was submitted on"):
        submit_version(v2, v2, outbox)
    assert not list((outbox / "demo" / "pspo-breaches" / "R12-2024-12").glob("v1"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, monkeypatch):
    """The session's SQLite store, or a PostgreSQL one, for everything the flow records."""
    from statreturns.settings import get_settings

    if request.param == "postgresql":
        monkeypatch.setenv("STATRETURNS_DATABASE_URL", request.getfixturevalue("postgres_url"))
        get_settings.cache_clear()
    yield request.param
    get_settings.cache_clear()


@pytest.mark.one_pass  # on stores of both kinds
def test_concurrent_reruns_get_distinct_versions(tmp_path, store_url):
    period = {"sqlite": "2023/24", "postgresql": "R12-2024-08"}[store_url]  # own outputs
    paths = [write_log(tmp_path / str(i) / "enforcement-log.csv", within(period))
             for i in range(2)]
    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(lambda p: pspo_breaches(
            period=period, authority="demo", inputs=[str(p)], force=True), paths))
    assert sorted(s.version or 0 for s in summaries) == [1, 2], summaries
    assert len({s.outputs_dir for s in summaries}) == 2


def test_a_sign_off_nobody_answers_leaves_the_version_awaiting_approval(tmp_path, monkeypatch):
    from statreturns.settings import get_settings

    monkeypatch.setenv("STATRETURNS_SIGN_OFF_TIMEOUT_HOURS", "0.001")  # about 4 seconds
    get_settings.cache_clear()
    try:
        period = "R12-2024-09"
        state = pspo_breaches(period=period, authority="demo", return_state=True,
                              sign_off=True,
                              inputs=[str(write_log(tmp_path / "enforcement-log.csv",
                                                within(period)))])
    finally:
        get_settings.cache_clear()
    assert state.is_completed() and state.name == "Completed"
    summary = state.result()
    assert (summary.status, summary.sign_off) == ("produced", "awaiting approval")
    assert the_run(summary).status == "produced"


def test_a_sign_off_with_control_characters_or_too_long_is_not_taken(tmp_path):
    v1 = the_run(run(tmp_path, ROWS, "R12-2024-10"))
    assert v1.version == 1
    for approver, comment, explanations, refused in [
        ("C. Head\x1b[2J", "", {}, "the name"),
        ("C. " + "H" * 200, "", {}, "at most 100"),
        ("Chris Lee", "fine\x00", {}, "the comment"),
        ("Chris Lee", "", {"PSPO-017\n": "on the boundary"}, "is not a rule's code"),
        ("Chris Lee", "", {"PSPO-017": "boundary\x07"}, "an explanation"),
    ]:
        with pytest.raises(SignOffRefused, match=refused):
            decide(v1, "approve", approver, comment, explanations)
    with session() as s:
        assert s.exec(select(Decision).where(Decision.run_id == v1.id)).all() == []
    assert [q.code for q in open_queries(v1)] == ["PSPO-017"]
