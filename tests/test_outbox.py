"""The submission outbox: checked packages, delivered once, all or nothing."""

import hashlib
import json
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
from tasks.outputs import move_into_place, staging_folder, write_manifest

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
    receipt = outbox.deliver(package, DEST)
    sha = hashlib.sha256((package / "manifest.json").read_bytes()).hexdigest()
    delivered = outbox.root / DEST

    assert isinstance(outbox, Outbox)
    assert receipt.package_sha256 == sha == package_digest(package)
    assert receipt.outbox == "folder" and receipt.destination == DEST
    assert receipt.delivered_at.tzinfo is not None
    assert receipt.delivered_at.utcoffset().total_seconds() == 0
    assert receipt.files == sorted(FILES) + ["manifest.json"]
    for name in receipt.files:
        assert (delivered / name).read_bytes() == (package / name).read_bytes()
        assert (delivered / name).stat().st_mode & 0o222 == 0
    saved = json.loads((delivered / "receipt.json").read_text())
    assert saved["package_sha256"] == sha
    assert datetime.fromisoformat(saved["delivered_at"]) == receipt.delivered_at
    assert receipt.delivered_at <= datetime.now(UTC)
    assert sorted(p.name for p in delivered.iterdir()) == sorted(receipt.files + ["receipt.json"])
    assert sorted(p.name for p in delivered.parent.iterdir()) == ["v3"]


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
