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
PUBLISHED = ("order-totals", "by-ward", "outcomes", "trend")
PACKAGES = ("board", "exempt", "publication")
"""The demo PSPO return's packages: it has no table for a submission."""


def _files(mark: str = "") -> set[str]:
    """A version's files, by path in its folder, `mark` before each extension but the
    manifests'."""
    return {"manifest.json", f"{STEM}{mark}.json",
            *(f"{package}/manifest.json" for package in PACKAGES),
            f"board/{STEM}-board{mark}.pdf", f"exempt/{STEM}-exempt{mark}.pdf",
            f"publication/{STEM}{mark}.xlsx",
            *(f"publication/{STEM}-{table}{mark}.csv" for table in PUBLISHED),
            *(f"publication/{STEM}-{table}{mark}.csv-metadata.json" for table in PUBLISHED)}


ORDINARY_FILES = _files()


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
    """The rendered files, by path in the version's folder."""
    return {path.relative_to(rendered.folder).as_posix() for path, *_ in rendered.files.values()}


def _json(rendered, kind: str) -> dict:
    return json.loads(rendered.files[kind][0].read_text(encoding="utf-8"))


def _pages(rendered, kind: str = "board:pdf") -> list[str]:
    """A PDF's text, page by page, its spaces made single."""
    return [" ".join(page.split()) for page in
            pdf_text(rendered.files[kind][0], layout=False).split("\f")[:-1]]


def _cover(rendered) -> list[str]:
    """The text of the publication workbook's cover, line by line."""
    cover = load_workbook(rendered.files["publication:xlsx"][0])["Cover"]
    return [c.value for c in cover["A"] if c.value is not None]


def test_every_file_of_a_provisional_version_is_named_so(versions):
    provisional = versions["provisional"]
    assert _names(provisional) == _files("-provisional")
    assert {p.relative_to(provisional.folder).as_posix()
            for p in provisional.folder.rglob("*") if p.is_file()} == _names(provisional)


def test_a_provisional_csv_is_the_same_plain_table(versions):
    for table in ("order_totals", "by_ward", "outcomes", "trend"):
        kind = f"publication:csv:{table}"
        assert versions["provisional"].files[kind][0].read_bytes() == \
            versions["ordinary"].files[kind][0].read_bytes(), kind
        # Its CSV on the Web metadata describes the file by its provisional name.
        metadata = _json(versions["provisional"], f"publication:csvw:{table}")
        assert metadata["url"] == versions["provisional"].files[kind][0].name


def test_the_provisional_json_and_manifests_say_so(versions):
    provisional = versions["provisional"]
    document, manifest = _json(provisional, "json"), _json(provisional, "manifest")
    assert document["provisional"] is True and manifest["provisional"] is True
    assert "resubmits" not in document and "resubmits" not in manifest
    assert [f["name"] for f in manifest["files"]] == [f"{STEM}-provisional.json"]
    assert manifest["packages"] == {p: provisional.files[f"{p}:manifest"][1] for p in PACKAGES}
    for package in PACKAGES:
        inner = _json(provisional, f"{package}:manifest")
        assert inner["provisional"] is True and inner["package"] == package, package
        assert "resubmits" not in inner
        assert {f"{package}/{f['name']}" for f in inner["files"]} == \
            {name for name in _names(provisional) if name.startswith(f"{package}/")} - \
            {f"{package}/manifest.json"}, package


def test_the_provisional_workbook_says_so_on_its_cover_and_in_its_name(versions):
    path = versions["provisional"].files["publication:xlsx"][0]
    assert path.name == f"{STEM}-provisional.xlsx"
    book = load_workbook(path)
    assert book.sheetnames == ["Cover", "Contents", "Notes", "order totals", "by ward",
                               "outcomes", "trend"]
    cover = _cover(versions["provisional"])
    # The notice first, before what the workbook is: the first thing a reader sees.
    assert cover[:3] == ["PSPO breach counts", "Introductory information", NOTICE]
    assert "Version: 3" in cover
    assert NOTICE not in _cover(versions["ordinary"])


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_the_provisional_board_pdf_has_the_banner_on_page_one_and_a_mark_on_every_page(
        versions):
    pages = _pages(versions["provisional"])
    assert len(pages) > 2
    first = pages[0]
    assert first.count(NOTICE) == 2  # the banner and the running header
    assert first.index("PSPO breach counts") < first.index(NOTICE, first.index("Version 3"))
    # The title page still holds all it held: the paper is public, and says so.
    assert "A committee paper, public." in first and "Sources" in first
    assert "must not be published" not in " ".join(pages)
    for n, page in enumerate(pages, start=1):
        # the footer's page number, and its mark drawn last at its right (text extraction
        # may put a table's wrapped heading between them)
        assert NOTICE in page and f"· page {n} " in page and page.endswith("PROVISIONAL"), n
    assert "Resubmission" not in " ".join(pages)


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_the_provisional_exempt_part_is_marked_on_every_page_too(versions):
    pages = _pages(versions["provisional"], "exempt:pdf")
    assert len(pages) >= 2
    assert pages[0].count(NOTICE) == 2 and "Schedule 12A" in pages[0]
    for n, page in enumerate(pages, start=1):
        assert NOTICE in page and \
            f"EXEMPT: not for publication · page {n} PROVISIONAL" in page, n


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_a_resubmission_names_the_version_it_replaces(versions):
    resubmission = versions["resubmission"]
    said = "Resubmission: replaces version 2, which was approved or submitted before its " \
        "data were corrected."
    for kind in ("board:pdf", "exempt:pdf"):
        assert said in _pages(resubmission, kind)[0], kind
        assert "PROVISIONAL" not in " ".join(_pages(resubmission, kind)), kind
    assert _json(resubmission, "json")["resubmits"] == 2
    for kind in ("manifest", *(f"{p}:manifest" for p in PACKAGES)):
        assert _json(resubmission, kind)["resubmits"] == 2, kind
    assert "provisional" not in _json(resubmission, "json")
    assert _names(resubmission) == ORDINARY_FILES
    cover = _cover(resubmission)
    assert "Version: 3, replacing version 2" in cover
    assert "Version: 3" not in cover


@pytest.mark.subprocess  # pdftotext reads the PDF
def test_an_ordinary_version_is_named_and_written_as_before(versions):
    ordinary = versions["ordinary"]
    assert _names(ordinary) == ORDINARY_FILES
    for kind in ("json", "manifest", *(f"{p}:manifest" for p in PACKAGES)):
        assert {"provisional", "resubmits"}.isdisjoint(_json(ordinary, kind)), kind
    for kind in ("board:pdf", "exempt:pdf"):
        text = " ".join(_pages(ordinary, kind))
        assert "PROVISIONAL" not in text.upper() and "Resubmission" not in text, kind
    book = load_workbook(ordinary.files["publication:xlsx"][0])
    cells = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row
                     if c.value is not None)
    assert "provisional" not in cells.lower() and "replacing" not in cells
    assert "Version: 3" in _cover(ordinary)


def test_a_version_cannot_resubmit_itself_or_a_later_one(pspo, ctx, prepared):  # noqa: F811
    for replaced in (3, 4, 0):
        with pytest.raises(ValueError, match="cannot replace"):
            _render(pspo, ctx, prepared, prepared[0] / f"bad-{replaced}" / "v3",
                    resubmits=replaced)
