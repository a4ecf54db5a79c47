"""The commands that only read or write the store answer at once: they load neither Prefect
nor Great Expectations, nor pandas, ReportLab, scipy or gptables (the stages load those)."""

import json
import os
import subprocess
import sys

import pytest

from flows import registry

HEAVY = ("great_expectations", "prefect", "pandas", "reportlab", "scipy", "gptables",
         "flows.skeleton")
COMMAND = f"""
import json, sys
from statreturns.app.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
except BaseException:
    pass
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)), file=sys.stderr)
"""
WHERE = ["pspo-breaches", "--period", "R12-2026-10"]


@pytest.mark.subprocess
@pytest.mark.store
@pytest.mark.parametrize("args", [
    ["--help"], ["status"], ["history", *WHERE], ["audit", *WHERE, "--format", "csv"],
    ["explain", *WHERE, "--rule", "PSPO-017", "--text", "x", "--author", "A. Officer"],
    ["approve", *WHERE, "--name", "Alex Morgan"], ["submit", *WHERE],
])
def test_a_command_that_only_reads_the_store_loads_no_run_machinery(tmp_path, args):
    env = {k: v for k, v in os.environ.items() if k != "STATRETURNS_DATABASE_URL"}
    env["STATRETURNS_HOME"] = str(tmp_path)  # the embedded store (a PostgreSQL URL without
    # its password reads the password secret, which loads Prefect: see the closing note)
    done = subprocess.run([sys.executable, "-c", COMMAND, *args], env=env, text=True,
                          capture_output=True, timeout=120)
    assert json.loads(done.stderr.strip().splitlines()[-1]) == [], done.stderr[-2000:]


def test_the_return_ids_read_from_the_modules_text_are_the_declared_ones():
    assert registry.ids() == tuple(registry.modules())
    with pytest.raises(KeyError, match="no return 'nope'; declared returns: csp-performance"):
        registry.check("nope")
