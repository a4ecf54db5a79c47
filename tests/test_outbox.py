"""The submission outbox: checked packages, delivered once, all or nothing."""

import hashlib
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tasks.outbox import (
    AlreadyDelivered,
    FolderOutbox,
    Outbox,
    PackageError,
    package_digest,
)
from tasks.outputs import file_digest, move_into_place, staging_folder, write_manifest

DEST = "demo/pspo-breaches/R12-2026-10/v3"
FILES = {"return.csv": b"ward,breaches\nCentral,4\n", "return.json": b'{"total": 4}\n',
         "return.pdf": b"%PDF-1.4 not really\n"}


@pytest.fixture
def package(tmp_path) -> Path:
    """A read-only version folder, made the way the flows make one."""
    final = tmp_path / "outputs" / "demo" / "pspo-breaches" / "R12-2026-10" / "v3"
    final.parent.mkdir(parents=True)
    staging = staging_folder()
    for name, data in FILES.items():
        (staging / name).write_bytes(data)
    write_manifest(staging, {"authority": "demo", "return": "pspo-breaches", "version": 3})
    move_into_place(staging, final)
    return final


@pytest.fixture
def outbox(tmp_path) -> FolderOutbox:
    return FolderOutbox(tmp_path / "outbox")


def test_delivers_same_bytes_with_receipt(package, outbox):
    receipt = outbox.deliver(package, DEST, "submission")
    sha = hashlib.sha256((package / "manifest.json").read_bytes()).hexdigest()
    delivered = outbox.root / DEST

    assert isinstance(outbox, Outbox)
    assert receipt.package_sha256 == sha == package_digest(package)
    assert receipt.outbox == "folder" and receipt.destination == DEST
    assert receipt.package == "submission"
    assert receipt.delivered_at.tzinfo is not None
    assert receipt.delivered_at.utcoffset().total_seconds() == 0
    assert receipt.files == sorted(FILES) + ["manifest.json"]
    for name in receipt.files:
        assert (delivered / name).read_bytes() == (package / name).read_bytes()
        assert (delivered / name).stat().st_mode & 0o222 == 0
    saved = json.loads((delivered / "receipt.json").read_text())
    assert saved["package_sha256"] == sha and saved["package"] == "submission"
    assert datetime.fromisoformat(saved["delivered_at"]) == receipt.delivered_at
    assert receipt.delivered_at <= datetime.now(UTC)
    assert sorted(p.name for p in delivered.iterdir()) == sorted(receipt.files + ["receipt.json"])
    assert sorted(p.name for p in delivered.parent.iterdir()) == ["v3"]


@pytest.fixture
def version(tmp_path) -> Path:
    """A read-only version folder of packages, made the way `render` makes one: the JSON
    record and a root manifest naming the package delivered, and a folder per package."""
    final = tmp_path / "outputs" / "demo" / "pspo-breaches" / "R12-2026-10" / "v4"
    final.parent.mkdir(parents=True)
    staging = staging_folder()
    (staging / "return.json").write_bytes(FILES["return.json"])
    digests = {}
    for name, files in {"board": {"return-board.pdf": FILES["return.pdf"]},
                        "publication": {"return.csv": FILES["return.csv"]}}.items():
        (staging / name).mkdir()
        for file, data in files.items():
            (staging / name / file).write_bytes(data)
        digests[name] = write_manifest(staging / name, {"package": name})["manifest.json"][0]
    write_manifest(staging, {"return": "pspo-breaches", "version": 4,
                             "delivers": "publication", "packages": digests})
    move_into_place(staging, final)
    return final


def test_only_the_package_the_version_delivers_goes(version, outbox):
    from tasks.submit import delivered_package

    package = delivered_package(version)
    assert package == "publication"
    receipt = outbox.deliver(version / package, DEST, package)
    delivered = outbox.root / DEST
    assert receipt.package == "publication"
    assert json.loads((delivered / "receipt.json").read_text())["package"] == "publication"
    assert receipt.files == ["return.csv", "manifest.json"]
    assert sorted(p.name for p in delivered.iterdir()) == [
        "manifest.json", "receipt.json", "return.csv"]
    assert (delivered / "manifest.json").read_bytes() == (
        version / "publication" / "manifest.json").read_bytes()
    root = json.loads((version / "manifest.json").read_text())
    assert receipt.package_sha256 == root["packages"]["publication"]


def test_a_whole_version_folder_or_one_naming_no_package_is_refused(version, outbox):
    from tasks.submit import delivered_package

    with pytest.raises(PackageError, match="board: not listed"):
        outbox.deliver(version, DEST)
    manifest = version / "manifest.json"
    manifest.chmod(0o644)
    manifest.write_text(json.dumps({"files": []}))
    with pytest.raises(PackageError, match="names no package"):
        delivered_package(version)
    assert not (outbox.root / DEST).exists()


def _rewrite(path: Path, change) -> None:
    path.chmod(0o644)
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


@pytest.mark.parametrize(("change", "refusal"), [
    (lambda m: {**m, "delivers": "exempt"}, "names 'exempt', not a package to deliver"),
    (lambda m: {**m, "delivers": "../board"}, "names '../board', not a package to deliver"),
    (lambda m: {**m, "delivers": "board", "packages": {**m["packages"], "board": "0" * 64}},
     "board/manifest.json is not the one the version recorded"),
])
def test_a_root_manifest_that_does_not_vouch_for_the_package_is_refused(version, change,
                                                                        refusal):
    from tasks.submit import delivered_package

    _rewrite(version / "manifest.json", change)
    with pytest.raises(PackageError, match=re.escape(refusal)):
        delivered_package(version)


def test_a_package_rewritten_with_its_own_manifest_is_refused(version):
    """Files replaced and the package's manifest written to match them: the version's
    manifest recorded another, so the package is not what was made."""
    from tasks.submit import delivered_package

    csv = version / "publication" / "return.csv"
    csv.chmod(0o644)
    csv.write_bytes(b"Ward,Total\nLadywood,999\n")
    _rewrite(version / "publication" / "manifest.json", lambda m: {
        **m, "files": [{"name": "return.csv", "sha256": file_digest(csv)[0],
                        "bytes": file_digest(csv)[1]}]})
    with pytest.raises(PackageError, match="publication/manifest.json is not the one"):
        delivered_package(version)


def test_the_receipt_names_the_folder_it_is_kept_in(package, tmp_path, monkeypatch):
    """Whatever the outbox's root is written as, the receipt gives the absolute folder that
    holds the files and itself, and the destination relative to the root as before."""
    monkeypatch.chdir(tmp_path)
    receipt = FolderOutbox(Path("outbox")).deliver(package, DEST)
    folder = Path(receipt.location)
    assert folder.is_absolute() and folder == (tmp_path / "outbox" / DEST).resolve()
    assert receipt.destination == DEST
    assert receipt.receipt_file == str(folder / "receipt.json")
    assert sorted(p.name for p in folder.iterdir()) == sorted(receipt.files + ["receipt.json"])
    saved = json.loads(Path(receipt.receipt_file).read_text())
    assert (saved["location"], saved["destination"]) == (str(folder), DEST)


def test_same_destination_twice_is_refused(package, outbox):
    outbox.deliver(package, DEST)
    first = {p.name: p.read_bytes() for p in (outbox.root / DEST).iterdir()}
    with pytest.raises(AlreadyDelivered):
        outbox.deliver(package, DEST)
    assert {p.name: p.read_bytes() for p in (outbox.root / DEST).iterdir()} == first
    assert sorted(p.name for p in (outbox.root / DEST).parent.iterdir()) == ["v3"]


def test_delivery_racing_another_is_refused(package, outbox, monkeypatch):
    """Another delivery lands while this one copies: the rename refuses, staging is removed."""
    copy2 = shutil.copy2

    def racing_copy(src, dst, **kw):
        (outbox.root / DEST).mkdir(exist_ok=True)
        (outbox.root / DEST / "other.txt").write_text("first")
        return copy2(src, dst, **kw)

    monkeypatch.setattr(shutil, "copy2", racing_copy)
    with pytest.raises(AlreadyDelivered):
        outbox.deliver(package, DEST)
    assert [p.name for p in (outbox.root / DEST).iterdir()] == ["other.txt"]
    assert sorted(p.name for p in (outbox.root / DEST).parent.iterdir()) == ["v3"]


def changed_byte(folder: Path) -> str:
    path = folder / "return.csv"
    path.chmod(0o644)
    path.write_bytes(path.read_bytes().replace(b"4", b"5"))
    return "return.csv"


def missing_file(folder: Path) -> str:
    (folder / "return.pdf").unlink()
    return "return.pdf"


def extra_file(folder: Path) -> str:
    (folder / "notes.txt").write_text("not in the manifest")
    return "notes.txt"


@pytest.mark.parametrize("tamper", [changed_byte, missing_file, extra_file])
def test_tampered_package_is_refused(package, outbox, tamper):
    name = tamper(package)
    with pytest.raises(PackageError, match=name.replace(".", r"\.")):
        package_digest(package)
    with pytest.raises(PackageError, match=name.replace(".", r"\.")):
        outbox.deliver(package, DEST)
    assert not outbox.root.exists()


def test_missing_manifest_is_refused(package, outbox):
    (package / "manifest.json").unlink()
    with pytest.raises(PackageError, match="manifest.json"):
        outbox.deliver(package, DEST)
    assert not outbox.root.exists()


def test_failure_while_copying_leaves_nothing(package, outbox, monkeypatch):
    copy2, copied = shutil.copy2, []

    def failing_copy(src, dst, **kw):
        if copied:
            raise OSError("disk full")
        copied.append(src)
        return copy2(src, dst, **kw)

    monkeypatch.setattr(shutil, "copy2", failing_copy)
    with pytest.raises(OSError, match="disk full"):
        outbox.deliver(package, DEST)
    assert copied
    assert not (outbox.root / DEST).exists()
    assert list((outbox.root / DEST).parent.iterdir()) == []

    monkeypatch.setattr(shutil, "copy2", copy2)
    assert outbox.deliver(package, DEST).package_sha256 == package_digest(package)


@pytest.mark.parametrize("destination", ["/tmp/demo/v3", "demo/../../v3", "..", "", "."])
def test_destination_must_stay_inside_the_outbox(package, outbox, destination):
    with pytest.raises(ValueError, match="destination"):
        outbox.deliver(package, destination)
    assert not outbox.root.exists()
