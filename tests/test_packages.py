"""Every demo return's packages, read back as their readers would: each audience's files
hold that audience's tables only, published numbers are numbers, each publication workbook
is laid out as the Analysis Function's guidance asks, and CSV on the Web readers accept
each published CSV's metadata."""

import json
import re
from pathlib import Path

import csvw
import pandas as pd
import pytest
from conftest import pdf_text, ran
from openpyxl import load_workbook

from flows import registry
from flows.demo_data import as_workbook
from flows.skeleton import prepare
from statreturns.declaration import BOARD, EXEMPT, PUBLICATION, SUBMISSION
from tasks.typed_tables import SYMBOL_WORDS

pytestmark = pytest.mark.usefixtures("harness")

PERIODS = {"csp-performance": "2022-Q4", "part4-duty": "2021/22",
           "prevent-benchmarks": "2023/24", "pspo-breaches": "R12-2025-11",
           "savings-tracker": "2022-11"}
"""Ended periods with demo data for every source (each run is forced: another module may
have run the same period)."""
SYMBOLS = set(SYMBOL_WORDS)
WORDS = {"Direction"}
"""The one published column of words that is not an index column: every other is numeric."""
NUMBER = re.compile(r"-?\d+(\.\d+)?")
"""A number as a CSV file should hold it: no thousands separator, no unit, no sign but -."""


def _inputs(folder: Path, return_id: str) -> list[str]:
    """The demo's files for the return's period, as `--input` arguments."""
    declaration = registry.get(return_id).DECLARATION
    ctx = prepare(declaration, PERIODS[return_id], "demo")
    demo = registry.demo_data(return_id)
    workbooks = getattr(demo, "WORKBOOKS", {})
    for name, frame in demo.generate(ctx.period, ctx.config, problems=True).items():
        path = folder / f"{name}.{'xlsx' if name in workbooks else 'csv'}"
        path.parent.mkdir(parents=True, exist_ok=True)
        if name in workbooks:
            path.write_bytes(as_workbook(frame, workbooks[name]))
        else:
            frame.to_csv(path, index=False)
    return [f"{s.name}={folder / s.name if s.many else next(folder.glob(s.name + '.*'))}"
            for s in declaration.sources]


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> dict[str, Path]:
    """Each return's demo version folder."""
    made = {}
    for return_id in registry.declarations():
        folder = tmp_path_factory.mktemp(return_id)
        summary = ran(registry.flow_of(return_id), period=PERIODS[return_id],
                      authority="demo", inputs=_inputs(folder, return_id), force=True)
        assert summary.status == "produced", (return_id, summary.message)
        made[return_id] = Path(summary.outputs_dir)
    return made


def _tables(return_id: str, audience: str) -> list:
    return [t for t in registry.get(return_id).DECLARATION.tables if t.is_for(audience)]


def _csv_name(table) -> str:
    return table.name.replace("_", "-")


@pytest.mark.parametrize("return_id", sorted(PERIODS))
def test_each_package_holds_its_audiences_tables_only(versions, return_id):
    folder = versions[return_id]
    declaration = registry.get(return_id).DECLARATION
    manifest = json.loads((folder / "manifest.json").read_text())
    wanted = [a for a in (BOARD, EXEMPT, SUBMISSION, PUBLICATION)
              if a == BOARD or _tables(return_id, a)]
    assert sorted(manifest["packages"]) == sorted(wanted)
    assert manifest["delivers"] == declaration.delivers
    stem = f"{declaration.id}-{folder.parent.name}-"
    for audience in (SUBMISSION, PUBLICATION):
        tables = _tables(return_id, audience)
        if not tables:
            assert not (folder / audience).exists()
            continue
        csvs = sorted(p.name.removeprefix(stem).removesuffix(".csv")
                      for p in (folder / audience).glob("*.csv"))
        assert csvs == sorted(_csv_name(t) for t in tables), audience
        sheets = load_workbook(next((folder / audience).glob("*.xlsx"))).sheetnames
        assert sheets == ["Cover", "Contents", "Notes",
                          *(t.name.replace("_", " ") for t in tables)]
    board = pdf_text(next((folder / BOARD).glob("*.pdf")), layout=False)
    for table in declaration.tables:
        assert (table.title in board) == table.is_for(BOARD), table.name
    assert "must not be published" not in board


def test_the_exempt_part_holds_the_repeat_breachers_and_says_why(versions):
    folder = versions["pspo-breaches"]
    [exempt] = (folder / EXEMPT).glob("*.pdf")
    text = pdf_text(exempt, layout=False)
    assert "Repeat breachers" in text
    assert "Schedule 12A to the Local Government Act 1972" in text
    assert "not for publication" in text
    pages = text.split("\f")[:-1]
    assert pages and all("EXEMPT: not for publication" in page for page in pages)
    board = pdf_text(next((folder / BOARD).glob("*.pdf")), layout=False)
    assert "Repeat breachers" not in board and "2 or more breaches" not in board


def test_no_published_count_of_events_is_withheld_and_every_order_total_is_shown(versions):
    folder = versions["pspo-breaches"] / PUBLICATION
    for path in folder.glob("*.csv"):
        assert "[c]" not in path.read_text(), path.name
    orders = pd.read_csv(next(folder.glob("*-order-totals.csv"))).set_index("Order")
    by_ward = pd.read_csv(next(folder.glob("*-by-ward.csv"))).set_index("Ward")
    outcomes = pd.read_csv(next(folder.glob("*-outcomes.csv"))).set_index("Order")
    assert by_ward.loc["Total"].drop("Total").to_dict() == orders["Breaches"].to_dict()
    assert outcomes["Total"].drop("Total").to_dict() == orders["Breaches"].to_dict()
    assert by_ward.at["Total", "Total"] == orders["Breaches"].sum() > 0


def _numeric_columns(metadata: dict) -> dict[str, set[str]]:
    """Each numeric column's heading and the symbols it declares."""
    return {c["titles"]: set(c["null"]) - {""} for c in metadata["tableSchema"]["columns"]
            if c["datatype"] in ("integer", "decimal")}


@pytest.mark.parametrize("return_id", sorted(PERIODS))
def test_no_published_number_is_text(versions, return_id):
    """Every numeric column of every published CSV and workbook holds numbers or its
    declared symbols, and a CSV on the Web reader accepts each CSV with its metadata."""
    folder = versions[return_id] / PUBLICATION
    numeric_seen = 0
    book = load_workbook(next(folder.glob("*.xlsx")))
    for table in _tables(return_id, PUBLICATION):
        [path] = folder.glob(f"*-{_csv_name(table)}.csv")
        metadata_path = path.with_name(path.name + "-metadata.json")
        metadata = json.loads(metadata_path.read_text())
        assert metadata["url"] == path.name
        numeric = _numeric_columns(metadata)
        assert all(symbols <= SYMBOLS for symbols in numeric.values())
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert set(numeric) == set(frame.columns) - set(table.index) - WORDS, table.name
        for heading, symbols in numeric.items():
            for cell in frame[heading]:
                assert cell in symbols or cell == "" or NUMBER.fullmatch(cell), \
                    (table.name, heading, cell)
            numeric_seen += 1
        rows = list(csvw.Table.from_file(metadata_path).iterdicts())
        assert len(rows) == len(frame)
        sheet = book[table.name.replace("_", " ")]
        [(_, ref)] = sheet.tables.items()
        cells = list(sheet[ref])
        headings = [c.value for c in cells[0]]
        for j, heading in enumerate(headings):
            if heading in numeric:
                for row in cells[1:]:
                    value = row[j].value
                    assert isinstance(value, int | float) or value in numeric[heading] \
                        or value is None, (table.name, heading, value)
    assert numeric_seen > 0
    assert csvw.CSVW(str(next(folder.glob("*-metadata.json"))), validate=True).is_valid


@pytest.mark.parametrize("return_id", sorted(PERIODS))
def test_each_publication_workbook_has_a_cover_contents_notes_and_a_table_a_sheet(
        versions, return_id):
    declaration = registry.get(return_id).DECLARATION
    book = load_workbook(next((versions[return_id] / PUBLICATION).glob("*.xlsx")))
    cover = " ".join(str(c.value) for row in book["Cover"].iter_rows() for c in row if c.value)
    assert declaration.title in cover and "Period:" in cover and "Version: " in cover
    assert declaration.owner in cover
    contents = [c.value for c in book["Contents"]["A"] if c.value]
    tables = [t.name.replace("_", " ") for t in _tables(return_id, PUBLICATION)]
    assert [name for name in contents if name in tables] == tables
    notes = " ".join(str(c.value) for row in book["Notes"].iter_rows() for c in row if c.value)
    for table in _tables(return_id, PUBLICATION):
        sheet = book[table.name.replace("_", " ")]
        assert len(sheet.tables) == 1 and sheet["A1"].value == table.title
        if table.note:
            assert table.note in notes
    used = {c.value for name in tables for row in book[name].iter_rows() for c in row
            if c.value in SYMBOLS}
    assert {s for s in SYMBOLS if f"{s} means" in notes} == used


def _people(rows: list[list]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["Order", "Women", "Men", "Total"])


@pytest.mark.parametrize(("rows", "severity", "success"), [
    ([["A", 30, 2, 32], ["B", 40, 7, 47], ["C", 25, 9, 34], ["Total", 95, 18, 113]],
     "query", True),
    ([["A", 1, 1, 2], ["B", 0, 1, 1], ["Total", 1, 2, 3]], "query", False),
])
def test_the_run_records_the_disclosure_audit(pspo, rows, severity, success):
    """A table of people whose grand total is itself small cannot show its protected
    totals: the audit says so as a query (the table is safe, but incomplete)."""
    import dataclasses

    from statreturns.declaration import Disclosure, Table
    from tasks.render import DISCLOSURE, output_tables

    table = Table("people", "People", ("Order",), audiences=(BOARD, PUBLICATION),
                  disclosure=Disclosure("people", "people"))
    declaration = dataclasses.replace(pspo, tables=(table,), chart=None)
    shown = output_tables(declaration, {"people": _people(rows)}, 5)
    [check] = shown.audit
    assert (check.code, check.severity, check.success) == (DISCLOSURE, severity, success)
    published = shown.published["people"]
    if success:
        assert "[c]" in published["Men"].tolist() and check.location == ""
        assert "[c]" not in published["Total"].tolist() + published.iloc[-1].tolist()
    else:
        assert published.iloc[-1]["Total"] == "[c]"
        assert "row 'Total', column 'Total': a protected total is hidden" in check.location
