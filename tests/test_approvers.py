"""Who may approve: only the listed approvers, never the person who ran a version or explained
its queries (unless the authority relaxed that, which the paper then says), every refusal
kept; and the audit trail of a period, as an auditor reads it."""

import csv
import getpass
import hashlib
import io
import json
import re
import shutil
import socket
from pathlib import Path

import pytest
from conftest import breach, pdf_text, write_log
from sqlmodel import select
from typer.testing import CliRunner

from statreturns.app.cli import app
from statreturns.settings import get_settings
from statreturns.store.db import session
from statreturns.store.models import Decision, Refusal, Run

pytestmark = pytest.mark.usefixtures("harness")
WHEN = {"breach_datetime": "2023-03-10 21:15", "outcome_date": "2023-03-10"}
# A warning in a ward outside the City Centre order raises the query PSPO-017.
ROWS = [breach(breach_id="A1", **WHEN), breach(breach_id="A2", ward="Erdington", **WHEN)]
HERE = f"{getpass.getuser()}@{socket.gethostname()}"
ALEX, CHRIS = "Alex Morgan <alex.morgan@demo-city.gov.uk>", \
    "Chris Lee <chris.lee@demo-city.gov.uk>"
DANA = "Dana Price <dana.price@demo-city.gov.uk> (deputy)"


def cli(*args: str, code: int = 0):
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()
    assert result.exit_code == code, result.output
    return result


def made(period: str, rows: list[dict] = ROWS, *more: str) -> None:
    folder = get_settings().inbox / "demo" / "pspo-breaches" / period
    write_log(folder / "enforcement-log.csv", rows)
    cli("run", "pspo-breaches", "-p", period, *more)


def explain(period: str, author: str = "A. Officer") -> None:
    cli("explain", "pspo-breaches", "-p", period, "--rule", "PSPO-017", "--text",
        "A patrol crossed the boundary.", "--author", author)


def refusals(period: str) -> list[tuple]:
    with session() as s:
        return [(r.action, r.who, r.made_from, r.reason) for r in s.exec(
            select(Refusal).where(Refusal.period == period).order_by(Refusal.id))]


def decisions(period: str) -> list[Decision]:
    with session() as s:
        runs = [r.id for r in s.exec(select(Run).where(Run.period == period))]
        return list(s.exec(select(Decision).where(Decision.run_id.in_(runs))))


@pytest.fixture
def sign_off_settings(tmp_path, monkeypatch):
    """Write the PSPO return's [sign_off] settings in a copy of the configuration."""
    config = tmp_path / "config"
    shutil.copytree(get_settings().config, config)
    path = config / "authorities" / "demo" / "pspo-breaches.toml"
    kept = path.read_text(encoding="utf-8").split("[sign_off]")[0]
    monkeypatch.setenv("STATRETURNS_CONFIG", str(config))
    get_settings.cache_clear()

    def write(text: str) -> None:
        path.write_text(kept + "[sign_off]\n" + text, encoding="utf-8")

    yield write
    get_settings.cache_clear()


def test_only_a_listed_approver_approves_and_a_refusal_is_kept_with_nothing_changed():
    period = "R12-2023-03"
    made(period)
    explain(period)
    refused = cli("approve", "pspo-breaches", "-p", period, "--name", "Mallory Smith", code=4)
    said = " ".join(refused.output.split())
    assert (f"Mallory Smith is not listed to approve pspo-breaches for demo: the approvers "
            f"are {ALEX}, {CHRIS}, {DANA}") in said
    [(action, who, where, reason)] = refusals(period)
    assert (action, who, where) == ("approve", "Mallory Smith", HERE)
    assert reason.startswith("Mallory Smith is not listed to approve pspo-breaches")
    assert decisions(period) == []

    approved = cli("approve", "pspo-breaches", "-p", period, "--name",
                   "ALEX.MORGAN@demo-city.gov.uk", "--comment", "checked")
    assert f"approved by {ALEX}" in approved.stdout
    [decision] = decisions(period)
    assert (decision.decision, decision.approver, decision.email, decision.made_from,
            decision.four_eyes) == ("approved", "Alex Morgan", "alex.morgan@demo-city.gov.uk",
                                    HERE, "kept")


def test_who_ran_a_version_cannot_approve_it_nor_approve_as_someone_else(sign_off_settings):
    sign_off_settings(
        f'approvers = [\n  {{ name = "Alex Morgan", email = "alex.morgan@demo-city.gov.uk" }},'
        f'\n  {{ name = "Chris Lee", email = "chris.lee@demo-city.gov.uk", '
        f'users = ["{getpass.getuser()}"] }},\n]\n'
        'deputy = { name = "Dana Price", email = "dana.price@demo-city.gov.uk" }\n')
    period = "R12-2023-04"
    made(period)  # run from this login: Chris Lee's
    explain(period)
    own = cli("approve", "pspo-breaches", "-p", period, "--name", "Chris Lee", code=4)
    assert (f"Chris Lee ran version 1, so cannot approve it: four eyes. Who else may approve "
            f"it: {ALEX}, {DANA}") in " ".join(own.output.split())
    other = cli("approve", "pspo-breaches", "-p", period, "--name", "Alex Morgan", code=4)
    assert (f"the login {getpass.getuser()} is Chris Lee's: Chris Lee cannot approve as "
            "Alex Morgan") in " ".join(other.output.split())
    assert [(a, who) for a, who, *_ in refusals(period)] == [("approve", "Chris Lee"),
                                                            ("approve", "Alex Morgan")]
    assert decisions(period) == []
    # A rejection is not approving one's own work: the maker may reject.
    cli("approve", "pspo-breaches", "-p", period, "--name", "Chris Lee", "--reject")
    assert [d.decision for d in decisions(period)] == ["rejected"]


def test_who_explained_a_query_cannot_approve_the_version_someone_else_can():
    period = "R12-2023-05"
    made(period)
    explain(period, author="Alex Morgan")
    own = cli("approve", "pspo-breaches", "-p", period, "--name", "Alex Morgan", code=4)
    assert (f"Alex Morgan explained the queries of version 1, so cannot approve it: four "
            f"eyes. Who else may approve it: {CHRIS}, {DANA}") in " ".join(own.output.split())
    cli("approve", "pspo-breaches", "-p", period, "--name", "Dana Price")
    assert [(d.approver, d.decision) for d in decisions(period)] == [("Dana Price", "approved")]


def test_a_relaxation_is_said_on_the_paper_and_kept_with_the_decision(sign_off_settings):
    why = "A team of one: the Head of Service reviews each return every quarter."
    sign_off_settings(
        f'approvers = [{{ name = "Chris Lee", email = "chris.lee@demo-city.gov.uk", '
        f'users = ["{getpass.getuser()}"] }}]\nfour_eyes = false\nrelaxed_because = "{why}"\n')
    period = "R12-2023-06"
    made(period)
    explain(period, author="Chris Lee")
    cli("approve", "pspo-breaches", "-p", period, "--name", "Chris Lee")
    [decision] = decisions(period)
    assert (decision.approver, decision.four_eyes) == ("Chris Lee", f"relaxed: {why}")
    [pdf] = Path(latest(period).outputs_dir).glob("board/*.pdf")
    last = " ".join([page for page in pdf_text(pdf).split("\f") if page.strip()][-1].split())
    assert last.startswith("Sign-off")
    assert f"Four eyes relaxed for this return by the authority: {why}" in last
    assert CHRIS in last


def test_relaxing_four_eyes_needs_a_reason(sign_off_settings):
    made("R12-2023-08")
    sign_off_settings('approvers = []\nfour_eyes = false\n')
    refused = cli("approve", "pspo-breaches", "-p", "R12-2023-08", "--name", "Chris Lee",
                  code=4)
    assert ("pspo-breaches.toml is not valid: sign_off: four_eyes = false needs "
            "relaxed_because: why one person may make and approve a version") in \
        " ".join(refused.output.split())
    ran = cli("run", "pspo-breaches", "-p", "R12-2023-08", "--force", code=2)
    assert "four_eyes = false needs relaxed_because" in " ".join(ran.output.split())


def latest(period: str) -> Run:
    with session() as s:
        return s.exec(select(Run).where(Run.period == period, Run.version.is_not(None))
                      .order_by(Run.version.desc())).first()


def test_the_audit_lists_the_whole_history_of_a_period_with_who_and_the_checksum():
    period = "R12-2023-07"
    made(period)
    fixed = [breach(breach_id="A1", **WHEN), breach(breach_id="A2", ward="Erdington",
                                                   place="Six Ways", **WHEN)]
    made(period, fixed)  # a correction: v2
    explain(period)
    cli("approve", "pspo-breaches", "-p", period, "--name", "Mallory Smith", code=4)
    cli("approve", "pspo-breaches", "-p", period, "--name", "Chris Lee", "--comment", "ok")
    cli("submit", "pspo-breaches", "-p", period)

    rows = list(csv.DictReader(io.StringIO(
        cli("audit", "pspo-breaches", "-p", period, "--format", "csv").stdout)))
    assert [(r["event"], r["version"]) for r in rows] == [
        ("run", "1"), ("correction", "2"), ("explanation", "2"), ("refused", "2"),
        ("approved", "2"), ("submission", "2")]
    by = {r["event"]: r for r in rows}
    user, host = HERE.split("@")
    assert (by["run"]["who"], by["run"]["from where"]) == (user, host)
    assert "sources changed: enforcement-log: enforcement-log.csv" in by["correction"]["detail"]
    assert (by["explanation"]["who"], by["explanation"]["from where"]) == ("A. Officer", HERE)
    assert by["explanation"]["detail"] == "PSPO-017: A patrol crossed the boundary."
    assert by["refused"]["who"] == "Mallory Smith"
    assert by["refused"]["detail"].startswith("approve: Mallory Smith is not listed")
    assert (by["approved"]["who"], by["approved"]["from where"]) == (CHRIS, HERE)
    assert by["approved"]["detail"] == "ok; four eyes kept"
    assert by["submission"]["from where"] == HERE
    assert by["submission"]["detail"].startswith("to demo/pspo-breaches/")

    v2 = latest(period)
    [figures] = [p for p in Path(v2.outputs_dir).glob("*.json") if p.name != "manifest.json"]
    checksum = hashlib.sha256(figures.read_bytes()).hexdigest()
    assert {r["checksum"] for r in rows if r["version"] == "2"} == {checksum}
    assert rows[0]["checksum"] != checksum  # version 1's own figures
    [pdf] = Path(v2.outputs_dir).glob("board/*.pdf")
    assert checksum in pdf_text(pdf).split("Sign-off")[-1].replace(" ", "")
    shown = cli("audit", "pspo-breaches", "-p", period).stdout
    assert "approved" in shown and checksum[:12] in shown
    assert json.loads(json.dumps(rows))  # plain text throughout
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", rows[0]["when"])
