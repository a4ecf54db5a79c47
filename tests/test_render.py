"""Rendering: the same inputs give the same bytes; a version's folder appears whole, once."""

import subprocess
import time
from pathlib import Path

import pytest

from flows.demo_data.pspo_breaches import generate
from statreturns.quality import verdict
from tasks.collect import collect
from tasks.outputs import OutputsExist, move_into_place, staging_folder
from tasks.render import render
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


def _render(pspo, ctx, prepared, final: Path):
    _, got, checks, tables = prepared
    return render.fn(pspo, ctx, tables, checks, [got], authority_name="Demo City Council",
                     version=3, verdict=verdict(checks), final=final)


def test_same_inputs_give_byte_identical_outputs(pspo, ctx, prepared):
    folder = prepared[0]
    first = _render(pspo, ctx, prepared, folder / "a" / "v3")
    time.sleep(1.1)  # past a second boundary: no wall-clock time may reach the files
    second = _render(pspo, ctx, prepared, folder / "b" / "v3")
    assert set(first.files) == set(second.files)
    for kind, (path, sha, size) in first.files.items():
        assert path.read_bytes() == second.files[kind][0].read_bytes(), kind
        assert second.files[kind][1:] == (sha, size)


def test_the_board_pdf_says_what_it_is(pspo, ctx, prepared):
    rendered = _render(pspo, ctx, prepared, prepared[0] / "c" / "v3")
    text = subprocess.run(["pdftotext", "-layout", str(rendered.files["pdf"][0]), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "PSPO breach counts" in text and "Demo City Council" in text
    assert "Version 3" in text and "31 October 2026" in text
    assert "Produced with queries" in text
    assert "Data-quality annex" in text and "PSPO-015" in text
    assert "must not be published" in text


def test_a_version_folder_is_never_overwritten(tmp_path):
    final = tmp_path / "v1"
    staging = staging_folder(final)
    (staging / "a.csv").write_text("x\n")
    move_into_place(staging, final)
    assert (final / "a.csv").read_text() == "x\n"
    again = staging_folder(final)
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
