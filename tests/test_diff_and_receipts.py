"""What an officer reads: the diff of two versions, the submission's receipt and the run's
summary artifact, each kept per return and period."""

import asyncio
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import breach, write_log
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from typer.testing import CliRunner

from statreturns.app.cli import app
from statreturns.app.terminal import HELD
from statreturns.quality import Check
from statreturns.settings import get_settings
from statreturns.summary import RunSummary
from tasks.publish import artifact_key, summary_markdown

BENCHMARKS = ["Benchmark", "Rating this year", "Rating last year", "Change",
              "Evidence items in year"]
REFERRALS = ["Quarter", "Referrals", "Discussed at Channel panel", "Adopted as Channel cases"]


def _document(benchmark: list, referral: list) -> dict:
    """Two tables of the Prevent return as its JSON holds them: every figure exact, the
    referrals (counts of people) withheld on the board's paper only."""
    def table(columns: list[str], audiences: list[str], withheld: bool, *rows: list) -> dict:
        return {"title": "", "audiences": audiences, "withheld": withheld,
                "columns": columns, "rows": [list(r) for r in rows]}

    return {"tables": {
        "benchmarks": table(BENCHMARKS, ["board", "submission", "publication"], False,
                            ["Partnership plan", "Exceeding", "Exceeding", "same", 3],
                            benchmark),
        "referrals": table(REFERRALS, ["board", "submission"], True,
                           ["2025-Q1", 41, 14, 6], referral)}}


@pytest.fixture
def two_versions(monkeypatch):
    """Versions 1 and 2 of the Prevent return: one benchmark's rating went up, and a count
    of Channel cases, small enough in version 2 to be withheld on the board's paper, fell."""
    documents = {1: _document(["Referral pathway", "Meeting", "Meeting", "same", 2],
                              ["2025-Q2", 36, 12, 5]),
                 2: _document(["Referral pathway", "Exceeding", "Meeting", "up", 4],
                              ["2025-Q2", 36, 12, 3])}
    made = [SimpleNamespace(id=v, version=v, period="2025/26") for v in documents]
    monkeypatch.setattr("statreturns.app.version_commands._version",
                        lambda *args: (made[-1], made))
    monkeypatch.setattr("tasks.versions.document", lambda run: documents[run.version])
    monkeypatch.setattr("tasks.versions.results", lambda run_id: [])


def diff(*options: str):
    result = CliRunner().invoke(app, ["diff", "prevent-benchmarks", "-p", "2025/26", *options])
    assert result.exit_code == 0, result.output
    return result.output


def test_diff_prints_a_withheld_tables_cell_exactly(two_versions):
    """The diff compares the exact record: a count the board's paper withholds is shown
    as it is, never as the marker "[c]"."""
    output = diff()
    lines = [line for line in output.splitlines() if "Adopted as Channel cases" in line]
    assert len(lines) == 1
    assert [cell.strip() for cell in lines[0].split("│")[1:-1]] == [
        "referrals", "2025-Q2", "Adopted as Channel cases", "5", "3"]
    assert "[c]" not in output


def test_diff_shows_a_row_whose_figures_changed_as_changed_cells(two_versions):
    cells = json.loads(diff("--json"))["cells"]
    assert cells == [
        {"table": "benchmarks", "row": "Referral pathway", "column": "Rating this year",
         "old": "Meeting", "new": "Exceeding"},
        {"table": "benchmarks", "row": "Referral pathway", "column": "Change",
         "old": "same", "new": "up"},
        {"table": "benchmarks", "row": "Referral pathway", "column": "Evidence items in year",
         "old": "2", "new": "4"},
        {"table": "referrals", "row": "2025-Q2", "column": "Adopted as Channel cases",
         "old": "5", "new": "3"},
    ]
    assert "(row)" not in diff()


@pytest.mark.parametrize("period, key", [
    ("2026-10", "demo-pspo-breaches-2026-10-summary"),
    ("2026-Q2", "demo-pspo-breaches-2026-q2-summary"),
    ("2023/24", "demo-pspo-breaches-2023-24-summary"),
    ("R12-2026-06", "demo-pspo-breaches-r12-2026-06-summary"),
])
def test_artifact_keys_are_per_period_and_as_prefect_allows(period, key):
    from prefect.types.names import raise_on_name_alphanumeric_dashes_only

    assert artifact_key("demo", "pspo-breaches", period, "summary") == key
    assert raise_on_name_alphanumeric_dashes_only(key) == key


def test_artifact_keys_differ_by_period_and_kind():
    keys = {artifact_key("demo", "pspo-breaches", p, w) for p in ("2026-09", "2026-10")
            for w in ("summary", "data-quality", "changes")}
    assert len(keys) == 6


def _check(code: str, severity: str, success: bool) -> Check:
    return Check("suite", code, "expect", severity, success, f"rule {code}",
                 unexpected_count=0 if success else 2, location="rows 3, 5")


def _summary(**fields) -> RunSummary:
    return RunSummary("pspo-breaches", "PSPO breach counts", "demo", "2026-Q2", "run", 1,
                      **fields)


def test_a_blocked_summary_says_what_to_correct_and_how_to_run_again():
    checks = [_check("PSPO-001", "error", False), _check("PSPO-002", "error", False),
              _check("PSPO-003", "query", False), _check("PSPO-004", "error", True)]
    text = summary_markdown(_summary(status="blocked", verdict="blocked"), checks)
    inbox = get_settings().inbox / "demo" / "pspo-breaches" / "2026-Q2"
    assert "## Blocked: 2 errors to correct" in text
    assert f"Correct the source file in the inbox (`{inbox}`)" in text
    assert ('statreturns rerun pspo-breaches --period 2026-Q2 --authority demo '
            '--reason "what was corrected"') in text
    assert "approve" not in text


def test_a_produced_summary_gives_the_commands_to_explain_and_approve():
    checks = [_check("PSPO-015", "query", False), _check("PSPO-017", "query", False),
              _check("PSPO-001", "error", True)]
    text = summary_markdown(_summary(status="produced", verdict="queries", version=2),
                            checks, unexplained=["PSPO-017"])
    assert "Explain each query (PSPO-017), then approve:" in text
    assert ('statreturns explain pspo-breaches --period 2026-Q2 --authority demo --rule '
            'PSPO-017 --text "..." --author "Your Name"') in text
    assert "--rule PSPO-015" not in text
    assert ('statreturns approve pspo-breaches --period 2026-Q2 --authority demo '
            '--name "Your Name"') in text
    assert "Blocked" not in text


# --- under Prefect's test harness: two periods, two versions of one, submitted ---------

A, B = "R12-2025-07", "R12-2025-08"


def _row(n: int, ward: str = "Ladywood") -> dict:
    return breach(breach_id=f"DR{n}", breach_datetime="2025-06-10 21:15",
                  outcome_date="2025-06-10", ward=ward)


async def _artifacts(key: str) -> list:
    async with get_client() as client:
        return await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


@pytest.fixture(scope="module")
def runs(harness, tmp_path_factory) -> dict:
    from flows.pspo_breaches import pspo_breaches

    def run(period: str, rows: list[dict]):
        log = write_log(tmp_path_factory.mktemp("log") / "enforcement-log.csv", rows)
        return pspo_breaches(period=period, authority="demo", inputs=[str(log)])

    six = [_row(n) for n in range(6)]
    return {"a1": run(A, six), "b1": run(B, six),
            "a2": run(A, [*six, _row(6), _row(7, ward="Nechells")])}


def test_each_period_keeps_its_own_summary_artifact(runs):
    assert all(r.status == "produced" for r in runs.values()), runs
    latest = {p: asyncio.run(_artifacts(artifact_key("demo", "pspo-breaches", p, "summary")))
              for p in (A, B)}
    assert {p: len(found) for p, found in latest.items()} == {A: 2, B: 1}
    assert all(f"demo, {p}" in a.data for p, found in latest.items() for a in found)
    assert asyncio.run(_artifacts(artifact_key("demo", "pspo-breaches", A, "changes")))
    assert not asyncio.run(_artifacts(artifact_key("demo", "pspo-breaches", B, "changes")))


def test_the_diff_of_two_made_versions_shows_exact_values(runs):
    """Version 2 added a breach in Ladywood and one in Nechells: breaches are events, so
    the diff shows the counts as counted, small ones included, never "[c]"."""
    shown = CliRunner().invoke(app, ["diff", "pspo-breaches", "-p", A])
    found = CliRunner().invoke(app, ["diff", "pspo-breaches", "-p", A, "--json"])
    assert shown.exit_code == found.exit_code == 0, shown.output + found.output
    cells = json.loads(found.output)["cells"]
    by_ward = [(c["row"], c["column"], c["old"], c["new"]) for c in cells
               if c["table"] == "by_ward"]
    assert by_ward == [("Ladywood", "City Centre", "6", "7"), ("Ladywood", "Total", "6", "7"),
                       ("Nechells", "City Centre", "0", "1"), ("Nechells", "Total", "0", "1"),
                       ("Total", "City Centre", "6", "8"), ("Total", "Total", "6", "8")]
    assert {"table": "order_totals", "row": "City Centre", "column": "Breaches",
            "old": "6", "new": "8"} in cells
    assert all("[c]" not in (c["old"], c["new"]) for c in cells)
    assert "[c]" not in shown.output
    for c in cells:
        assert any(c["row"] in line and line.rstrip(" │").endswith(c["new"])
                   for line in shown.output.splitlines()), c


def test_the_receipt_names_the_folder_delivered_and_is_kept_in_it(runs):
    from tasks.sign_off import decide
    from tasks.versions import good_versions

    decide(good_versions("demo", "pspo-breaches", A)[-1], "approve", "Alex Morgan")
    result = CliRunner().invoke(app, ["submit", "pspo-breaches", "-p", A])
    assert result.exit_code == 0, result.output
    said, kept = result.output.splitlines()
    folder = (get_settings().outbox / "demo" / "pspo-breaches" / A / "v2").resolve()
    assert said.startswith(f"submitted the publication package of version 2 of "
                           f"pspo-breaches {A} to {folder} ")
    assert kept == f"receipt: {folder / 'receipt.json'}"
    receipt = json.loads((folder / "receipt.json").read_text())
    assert receipt["location"] == str(folder)
    assert receipt["destination"] == f"demo/pspo-breaches/{A}/v2"
    assert receipt["package"] == "publication"  # PSPO's recipient: the open-data portal
    assert sorted(p.name for p in folder.iterdir()) == sorted(receipt["files"] + ["receipt.json"])
    made = Path(runs["a2"].outputs_dir) / "publication"
    assert sorted(receipt["files"]) == sorted(p.name for p in made.iterdir())
    assert all((folder / name).read_bytes() == (made / name).read_bytes()
               for name in receipt["files"])
    again = CliRunner().invoke(app, ["submit", "pspo-breaches", "-p", A])
    assert again.exit_code == HELD and f"to {folder}" in again.output
