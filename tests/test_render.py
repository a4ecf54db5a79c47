"""Rendering: the same inputs give the same bytes; a version's folder appears whole, once."""

import time
from pathlib import Path

import pytest
from conftest import pdf_text

from flows.demo_data.pspo_breaches import generate
from statreturns.quality import verdict
from tasks.changes import Change
from tasks.collect import collect
from tasks.outputs import OutputsExist, move_into_place, staging_folder
from tasks.render import output_tables, render
from tasks.render_pdf import CHANGES_SHOWN, BoardReport, write_pdf
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


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_the_board_pdf_says_what_it_is(pspo, ctx, prepared):
    rendered = _render(pspo, ctx, prepared, prepared[0] / "c" / "v3")
    text = pdf_text(rendered.files["pdf"][0])
    assert "PSPO breach counts" in text and "Demo City Council" in text
    assert "Version 3" in text and "31 October 2026" in text
    assert "Produced with queries" in text
    assert "Data-quality annex" in text and "PSPO-015" in text
    assert "must not be published" in text


def _board_pdf(pspo, ctx, prepared, path: Path, **changes) -> Path:
    """The board PDF alone, built as render builds it, with what changed."""
    _, got, checks, tables = prepared
    write_pdf(BoardReport(
        authority_name="Demo City Council", title=pspo.title, description=pspo.description,
        period_label=ctx.period.label, version=3, verdict=verdict(checks), as_of=ctx.period.end,
        headline=pspo.headline(tables, ctx),
        sources=[(got.source.title, got.path.name, got.rows, got.sha256, "")],
        tables=[(t, tables[t.name]) for t in pspo.tables], chart=pspo.chart, checks=checks,
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
    before = first.files["pdf"][0].read_bytes()
    with pytest.raises(OutputsExist):
        _render(pspo, ctx, prepared, parent / "v3")
    monkeypatch.setattr("tasks.render.write_json", lambda *a: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        _render(pspo, ctx, prepared, parent / "v4")
    assert sorted(p.name for p in parent.iterdir()) == ["v3"]
    assert first.files["pdf"][0].read_bytes() == before
