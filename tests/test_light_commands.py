"""The commands that only read or write the store answer at once: they load neither Prefect
nor Great Expectations, nor pandas, ReportLab, scipy or gptables (the stages load those).
The commands that describe the returns read the declarations (pandas) and nothing else."""

import json
import os
import subprocess
import sys

import pytest

from flows import registry

RUN_MACHINERY = ("great_expectations", "prefect", "reportlab", "scipy", "gptables",
                 "flows.skeleton")
COMMAND = f"""
import json, sys
from statreturns.app.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
except BaseException:
    pass
print(json.dumps(sorted(m for m in {(*RUN_MACHINERY, "pandas")!r} if m in sys.modules)),
      file=sys.stderr)
"""
WHERE = ["pspo-breaches", "--period", "R12-2026-10"]


def loaded(home, args: list[str]) -> list[str]:
    """The heavy modules a command loads, run in a new process."""
    env = {k: v for k, v in os.environ.items() if k != "STATRETURNS_DATABASE_URL"}
    env["STATRETURNS_HOME"] = str(home)  # the embedded store (a PostgreSQL URL without its
    # password reads the password secret, which may ask a Prefect server)
    done = subprocess.run([sys.executable, "-c", COMMAND, *args], env=env, text=True,
                          capture_output=True, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.subprocess
@pytest.mark.store
@pytest.mark.parametrize("args", [
    ["--help"], ["status"], ["history", *WHERE], ["audit", *WHERE, "--format", "csv"],
    ["explain", *WHERE, "--rule", "PSPO-017", "--text", "x", "--author", "A. Officer"],
    ["approve", *WHERE, "--name", "Alex Morgan"], ["submit", *WHERE],
])
def test_a_command_that_only_reads_the_store_loads_no_run_machinery(tmp_path, args):
    assert loaded(tmp_path, args) == []


@pytest.mark.subprocess
@pytest.mark.store
@pytest.mark.parametrize("args", [["calendar"], ["rules"], ["list"], ["diff", *WHERE]])
def test_a_command_that_describes_the_returns_reads_their_declarations_only(tmp_path, args):
    assert set(loaded(tmp_path, args)) <= {"pandas"}


def test_the_return_ids_read_from_the_modules_text_are_the_declared_ones():
    assert registry.ids() == tuple(registry.modules())
    with pytest.raises(KeyError, match="no return 'nope'; declared returns: csp-performance"):
        registry.check("nope")
