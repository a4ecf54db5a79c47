"""The environment holds exactly what requirements.lock names, at the locked versions: an
install is the same on every machine, whatever was released since the lock was made."""

import re
from importlib.metadata import distributions
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"
NOT_LOCKED = {"statreturns", "pip"}
"""The project itself, and the installer the virtual environment comes with."""


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(text: str) -> dict[str, str]:
    """Package -> version, from a lock's ``name==version \\`` lines."""
    return {canonical(n): v for n, v in re.findall(r"^([A-Za-z0-9][\w.\-]*)==(\S+)", text,
                                                    re.M)}


def installed() -> dict[str, str]:
    return {canonical(d.metadata["Name"]): d.version for d in distributions()
            if canonical(d.metadata["Name"]) not in NOT_LOCKED}


def test_the_lock_pins_every_package_with_hashes():
    text = LOCK.read_text(encoding="utf-8")
    pins = re.findall(r"^[A-Za-z0-9][\w.\-]*==\S+ \\\n((?:\s+--hash=sha256:[0-9a-f]{64}.*\n)+)",
                      text, re.M)
    assert len(pins) == len(locked(text)) > 100


def test_the_environment_is_exactly_the_lock():
    want, have = locked(LOCK.read_text(encoding="utf-8")), installed()
    assert {n: (want.get(n), have.get(n)) for n in want.keys() | have.keys()
            if want.get(n) != have.get(n)} == {}


def test_a_difference_from_the_lock_is_seen():
    text = "pandas==3.1.1 \\\n    --hash=sha256:" + "0" * 64 + "\nrich==1.0 \\\n"
    assert locked(text) == {"pandas": "3.1.1", "rich": "1.0"}
    assert locked("Typing_Extensions==4.0 \\\n") == {"typing-extensions": "4.0"}
