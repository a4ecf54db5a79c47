"""A provisional version says so in every output and every file name; a resubmission names
the version it replaces; an ordinary version is written as it always was."""

import dataclasses
import json

import pytest
from conftest import pdf_text
from openpyxl import load_workbook
from test_render import _render, prepared  # noqa: F401  (the rendered demo return's inputs)

NOTICE = "PROVISIONAL: the period ends on 31 October 2026; these figures will change."
STEM = "pspo-breaches-R12-2026-10"
ORDINARY_NAMES = {"manifest.json", f"{STEM}-board.pdf", f"{STEM}-by-ward.csv",
                  f"{STEM}-outcomes.csv", f"{STEM}-trend.csv", f"{STEM}.json", f"{STEM}.xlsx"}


@pytest.fixture(scope="module")
def versions(pspo, ctx, prepared):  # noqa: F811
    """Version 3 rendered three ways: provisional, resubmitting version 2, and ordinary."""
    folder = prepared[0]
    return {
        "provisional": _render(pspo, dataclasses.replace(ctx, provisional=True), prepared,
                               folder / "provisional" / "v3"),
        "resubmission": _render(pspo, ctx, prepared, folder / "resubmission" / "v3",
                                resubmits=2),
        "ordinary": _render(pspo, ctx, prepared, folder / "ordinary" / "v3"),
    }


def _names(rendered) -> set[str]:
    return {path.name for path, *_ in rendered.files.values()}


def _json(rendered, kind: str) -> dict:
    return json.loads(rendered.files[kind][0].read_text(encoding="utf-8"))


def _pages(rendered) -> list[str]:
    """The board PDF's text, page by page, its spaces made single."""
    return [" ".join(page.split()) for page in
            pdf_text(rendered.files["pdf"][0], layout=False).split("\f")[:-1]]


def test_every_file_of_a_provisional_version_is_named_so(versions):
    assert _names(versions["provisional"]) == {
        "manifest.json", f"{STEM}-board-provisional.pdf", f"{STEM}-by-ward-provisional.csv",
        f"{STEM}-outcomes-provisional.csv", f"{STEM}-trend-provisional.csv",
        f"{STEM}-provisional.json", f"{STEM}-provisional.xlsx"}
    assert sorted(p.name for p in versions["provisional"].folder.iterdir()) == \
        sorted(_names(versions["provisional"]))


def test_a_provisional_csv_is_the_same_plain_table(versions):
    for kind in ("csv:by_ward", "csv:outcomes", "csv:trend"):
        assert versions["provisional"].files[kind][0].read_bytes() == \
            versions["ordinary"].files[kind][0].read_bytes(), kind


def test_the_provisional_json_and_manifest_say_so(versions):
    document, manifest = _json(versions["provisional"], "json"), \
        _json(versions["provisional"], "manifest")
    assert document["provisional"] is True and manifest["provisional"] is True
    assert "resubmits" not in document and "resubmits" not in manifest
    assert {f["name"] for f in manifest["files"]} == \
        _names(versions["provisional"]) - {"manifest.json"}


def test_the_provisional_workbook_says_so_on_its_notes_and_every_sheet(versions):
    book = load_workbook(versions["provisional"].files["xlsx"][0])
    assert book.sheetnames == ["by ward", "outcomes", "trend", "Notes"]
    assert book["Notes"]["A1"].value == NOTICE
    assert book["by ward"]["A1"].value == \
        f"Breaches by ward and order ({NOTICE.rstrip('.')})"
    for sheet in ("outcomes", "trend"):
        assert book[sheet]["A1"].value.endswith(f"({NOTICE.rstrip('.')})")


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_the_provisional_board_pdf_has_the_banner_on_page_one_and_a_mark_on_every_page(
        versions):
    pages = _pages(versions["provisional"])
    assert len(pages) > 2
    first = pages[0]
    assert first.count(NOTICE) == 2  # the banner and the running header
    assert first.index("PSPO breach counts") < first.index(NOTICE, first.index("Version 3"))
    assert "must not be published" in first  # the title page still holds all it held
    for n, page in enumerate(pages, start=1):
        assert NOTICE in page and f"page {n} PROVISIONAL" in page, n
    assert "Resubmission" not in " ".join(pages)


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_a_resubmission_names_the_version_it_replaces(versions):
    resubmission = versions["resubmission"]
    first = _pages(resubmission)[0]
    assert "Resubmission: replaces version 2, which was approved or submitted before its " \
        "data were corrected." in first
    assert _json(resubmission, "json")["resubmits"] == 2
    assert _json(resubmission, "manifest")["resubmits"] == 2
    assert "provisional" not in _json(resubmission, "json")
    assert _names(resubmission) == ORDINARY_NAMES
    assert "PROVISIONAL" not in " ".join(_pages(resubmission))
    notes = load_workbook(resubmission.files["xlsx"][0])["Notes"]
    assert [c.value for c in notes["A"]][1] == "Resubmission: replaces version 2."


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_an_ordinary_version_is_named_and_written_as_before(versions):
    ordinary = versions["ordinary"]
    assert _names(ordinary) == ORDINARY_NAMES
    for kind in ("json", "manifest"):
        assert {"provisional", "resubmits"}.isdisjoint(_json(ordinary, kind)), kind
    text = " ".join(_pages(ordinary))
    assert "PROVISIONAL" not in text.upper() and "Resubmission" not in text
    book = load_workbook(ordinary.files["xlsx"][0])
    assert "provisional" not in " ".join(str(ws["A1"].value) for ws in book).lower()


def test_a_version_cannot_resubmit_itself_or_a_later_one(pspo, ctx, prepared):  # noqa: F811
    for replaced in (3, 4, 0):
        with pytest.raises(ValueError, match="cannot replace"):
            _render(pspo, ctx, prepared, prepared[0] / f"bad-{replaced}" / "v3",
                    resubmits=replaced)
