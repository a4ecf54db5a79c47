"""Rendering: the same inputs give the same bytes; a version's folder appears whole, once;
the public board paper, its exempt part and the published files each hold their own tables."""

import csv
import json
import time
from pathlib import Path

import pytest
from conftest import pdf_text
from openpyxl import load_workbook

from flows.demo_data.pspo_breaches import generate
from statreturns.declaration import BOARD, EXEMPT, PUBLICATION
from statreturns.quality import verdict
from tasks.changes import Change
from tasks.collect import collect
from tasks.outputs import OutputsExist, move_into_place, staging_folder
from tasks.render import output_tables, render
from tasks.render_pdf import CHANGES_SHOWN, PUBLIC, BoardReport, write_pdf
from tasks.validate import validate_source


@pytest.fixture(scope="module")
def prepared(pspo, ctx, tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    path = folder / "enforcement-log.csv"
    generate(ctx.period, ctx.config, problems=True)["enforcement-log"].to_csv(path, index=False)
    got = collect.fn(pspo.sources[0], [path], folder / "archive", ctx)
    checks = got.checks + validate_source.fn(pspo.id, got, ctx)
    tables = pspo.assemble({"enforcement-log": got.frame}, ctx)
    return folder, got.files[0], checks, tables


def _render(pspo, ctx, prepared, final: Path, **extra):
    _, got, checks, tables = prepared
    return render.fn(pspo, ctx, tables, checks, [got], authority_name="Demo City Council",
                     version=3, verdict=verdict(checks), final=final,
                     shown=output_tables(pspo, tables, ctx.suppression_threshold), **extra)


def test_same_inputs_give_byte_identical_outputs(pspo, ctx, prepared):
    folder = prepared[0]
    first = _render(pspo, ctx, prepared, folder / "a" / "v3")
    time.sleep(1.1)  # past a second boundary: no wall-clock time may reach the files
    second = _render(pspo, ctx, prepared, folder / "b" / "v3")
    assert set(first.files) == set(second.files)
    for kind, (path, sha, size) in first.files.items():
        assert path.read_bytes() == second.files[kind][0].read_bytes(), kind
        assert second.files[kind][1:] == (sha, size)


@pytest.fixture(scope="module")
def rendered(pspo, ctx, prepared):
    return _render(pspo, ctx, prepared, prepared[0] / "c" / "v3")


@pytest.fixture(scope="module")
def tables_of(prepared):
    """The demo return's tables, exact."""
    return prepared[3]


def _titles(pspo, audience) -> set[str]:
    return {t.title for t in pspo.tables if t.is_for(audience)}


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_the_board_pdf_says_what_it_is(pspo, rendered):
    text = pdf_text(rendered.files["board:pdf"][0])
    assert "PSPO breach counts" in text and "Demo City Council" in text
    assert "Version 3" in text and "31 October 2026" in text
    assert "Produced with queries" in text
    assert "Data-quality annex" in text and "PSPO-015" in text
    # A committee paper is public: it says so, and holds no exempt table.
    assert " ".join(text.split()).count(PUBLIC) == 1
    assert "must not be published" not in text and "EXEMPT" not in text
    words = " ".join(text.split())
    assert all(title in words for title in _titles(pspo, BOARD))
    assert not any(title in words for title in _titles(pspo, EXEMPT))


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_the_exempt_part_holds_the_repeat_breachers_only_and_says_why_on_every_page(
        pspo, ctx, tables_of, rendered):
    assert _titles(pspo, EXEMPT) == {"Repeat breachers (people with 2 or more breaches)"}
    pages = [" ".join(page.split()) for page in
             pdf_text(rendered.files["exempt:pdf"][0], layout=False).split("\f")[:-1]]
    assert len(pages) >= 2
    assert "Exempt part" in pages[0] and "Schedule 12A to the Local Government Act 1972" \
        in pages[0] and "For members and officers only: not for publication." in pages[0]
    for n, page in enumerate(pages, start=1):
        assert f"EXEMPT: not for publication · page {n}" in page, n
    text = " ".join(pages)
    assert "Repeat breachers (people with 2 or more breaches)" in text
    assert not any(title in text for title in _titles(pspo, BOARD) | _titles(pspo, PUBLICATION))
    assert "Data-quality annex" not in text and "Headline figures" not in text
    assert PUBLIC not in text
    # Its figures exact, small counts too: people recorded, repeat breachers, breaches.
    repeat = tables_of["repeat_breachers"]
    assert repeat["People recorded"].isin(range(1, ctx.suppression_threshold)).any()
    for row in repeat[repeat["Order"] != "All orders"].itertuples(index=False):
        assert " ".join(map(str, row)) in text, row


def test_each_package_holds_its_audiences_tables(pspo, rendered):
    kinds = set(rendered.files)
    published = [t.name for t in pspo.tables if t.is_for(PUBLICATION)]
    assert published == ["order_totals", "by_ward", "outcomes", "trend"]
    assert kinds == {"json", "manifest", "board:pdf", "board:manifest", "exempt:pdf",
                     "exempt:manifest", "publication:xlsx", "publication:manifest",
                     *(f"publication:{kind}:{name}" for name in published
                       for kind in ("csv", "csvw"))}  # PSPO has nothing for a submission
    for kind, (path, _, _) in rendered.files.items():
        package = kind.split(":")[0] if ":" in kind else None
        assert path.parent == (rendered.folder / package if package else rendered.folder), kind


def test_pspo_counts_of_events_are_published_as_counted(pspo, ctx, rendered, tables_of):
    """Breaches are events: the publication shows every count as counted, small ones too,
    withholds nothing, and its notes say so."""
    shown = output_tables(pspo, tables_of, ctx.suppression_threshold)
    assert shown.withheld == {}
    for name, frame in shown.published.items():
        assert frame.equals(tables_of[name]), name
        with rendered.files[f"publication:csv:{name}"][0].open(newline="") as f:
            rows = list(csv.reader(f))
        assert "[c]" not in {cell for row in rows for cell in row}, name
        assert rows[0] == [str(c) for c in frame.columns], name
        assert [row[1:] for row in rows[1:]] == \
            [[str(int(v)) if float(v).is_integer() else str(v) for v in row[1:]]
             for row in frame.itertuples(index=False)], name
    wards = tables_of["by_ward"]
    small = wards.drop(columns="Ward").isin(range(1, ctx.suppression_threshold)).to_numpy()
    assert small.any()  # small counts there are, and shown
    notes = [c.value for c in load_workbook(rendered.files["publication:xlsx"][0])["Notes"]["B"]]
    assert "Counts of breaches, events rather than people: published as counted." in notes
    assert not any("withheld" in str(note) for note in notes)
    document = json.loads(rendered.files["json"][0].read_text())
    assert {name: (t["audiences"], t["withheld"]) for name, t in document["tables"].items()} \
        == {t.name: (list(t.audiences), False) for t in pspo.tables}


def _board_pdf(pspo, ctx, prepared, path: Path, **changes) -> Path:
    """The board PDF alone, built as render builds it, with what changed."""
    _, got, checks, tables = prepared
    board = output_tables(pspo, tables, ctx.suppression_threshold).audiences[BOARD]
    write_pdf(BoardReport(
        authority_name="Demo City Council", title=pspo.title, description=pspo.description,
        period_label=ctx.period.label, version=3, verdict=verdict(checks), as_of=ctx.period.end,
        headline=pspo.headline(tables, ctx),
        sources=[(got.source.title, got.path.name, got.rows, got.sha256, "")],
        tables=[(t, frame, t.note) for t in pspo.tables if (frame := board.get(t.name))
                is not None], chart=pspo.chart, checks=checks,
        **changes), path)
    return path


CHANGES = [Change("by_ward", "Ladywood", "Total", "41", "42"),
           Change("by_ward", "Aston", "(row)", "", "added"),
           Change("trend", "2026-09", "City Centre", "[c]", "7"),
           Change("old_table", "(table)", "", "", "removed")]


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_the_board_pdf_ends_with_what_changed(pspo, ctx, prepared):
    folder = prepared[0] / "changes"
    folder.mkdir()
    turned = {"newly failing": ["PSPO-015"], "newly passing": ["PSPO-003"]}
    first = _board_pdf(pspo, ctx, prepared, folder / "a.pdf", changes=CHANGES,
                       previous_version=2, quality_changes=turned)
    time.sleep(1.1)
    second = _board_pdf(pspo, ctx, prepared, folder / "b.pdf", changes=list(CHANGES),
                        previous_version=2, quality_changes=dict(turned))
    assert first.read_bytes() == second.read_bytes()
    text = pdf_text(first)
    annex = text[text.index("What changed since version 2"):]
    assert "Data-quality annex" not in annex  # the last annex
    assert "Rules newly failing: PSPO-015." in annex
    assert "Rules newly passing: PSPO-003." in annex
    assert "Table" in annex and "Was" in annex and "Now" in annex
    assert "Breaches by ward and order" in annex  # the table by its title
    assert "Ladywood" in annex and "41" in annex and "42" in annex
    assert "[c]" in annex and "added" in annex and "old_table" in annex
    assert "No figure changed" not in annex


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_the_changes_annex_says_when_nothing_changed_and_cuts_a_long_list(pspo, ctx,
                                                                          prepared):
    folder = prepared[0] / "few-and-many"
    folder.mkdir()
    plain = pdf_text(_board_pdf(pspo, ctx, prepared, folder / "first.pdf"))
    assert "What changed" not in plain
    none = pdf_text(_board_pdf(pspo, ctx, prepared, folder / "none.pdf", changes=[],
                               previous_version=2))
    assert "What changed since version 2" in none and "No figure changed." in none
    many = [Change("by_ward", f"Ward {i}", "Total", str(i), str(i + 1))
            for i in range(CHANGES_SHOWN + 5)]
    text = pdf_text(_board_pdf(pspo, ctx, prepared, folder / "many.pdf", changes=many,
                               previous_version=2))
    assert f"Ward {CHANGES_SHOWN - 1} " in text and f"Ward {CHANGES_SHOWN} " not in text
    assert "5 more changes are not shown here" in text


def test_a_version_folder_is_never_overwritten(tmp_path):
    final = tmp_path / "v1"
    staging = staging_folder()
    (staging / "a.csv").write_text("x\n")
    move_into_place(staging, final)
    assert (final / "a.csv").read_text() == "x\n"
    again = staging_folder()
    (again / "a.csv").write_text("y\n")
    with pytest.raises(OutputsExist):
        move_into_place(again, final)
    assert (final / "a.csv").read_text() == "x\n"


def test_a_render_that_cannot_finish_leaves_nothing_staged(pspo, ctx, prepared, monkeypatch):
    parent = prepared[0] / "d"
    first = _render(pspo, ctx, prepared, parent / "v3")
    before = first.files["board:pdf"][0].read_bytes()
    with pytest.raises(OutputsExist):
        _render(pspo, ctx, prepared, parent / "v3")
    monkeypatch.setattr("tasks.render.write_json", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        _render(pspo, ctx, prepared, parent / "v4")
    assert sorted(p.name for p in parent.iterdir()) == ["v3"]
    assert first.files["board:pdf"][0].read_bytes() == before
