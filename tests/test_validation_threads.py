"""Threads validating suites with suite parameters at once, the first to do so in their process.

Great Expectations' suite-parameter parser learns how to call its parse actions on their first
calls, once per process (see tasks.validate), so each repetition needs a process whose parser
has never run. A fresh interpreter imports once and forks a child for each repetition: the
child's parser is as fresh as a new process's, without the seconds an import takes."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.subprocess

PROCESSES, THREADS = 16, 16

CHILD = """
import json, os, sys, threading
import great_expectations as gx
import pandas as pd
from tasks.validate import run_suite

processes, threads = int(sys.argv[1]), int(sys.argv[2])
suite = gx.ExpectationSuite(name="range", expectations=[
    gx.expectations.ExpectColumnValuesToBeBetween(
        column="n", min_value={"$PARAMETER": "low"}, max_value={"$PARAMETER": "high"},
        meta={"code": "T-1", "severity": "error"}, description="In range.")])
frame = pd.DataFrame({"n": range(40)})


def validate(low):
    try:
        [check] = run_suite(frame, suite, {"low": low, "high": 30}, locate=lambda *a: "")
        return [check.success, check.unexpected_count]
    except Exception as e:
        return repr(e)


def repetition():
    barrier, found = threading.Barrier(threads), {}

    def work(i):
        barrier.wait()
        found[i] = validate(i)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return {"threads": [found[i] for i in range(threads)], "after": validate(5)}


for _ in range(processes):
    sys.stdout.flush()
    if (pid := os.fork()) == 0:
        print(json.dumps(repetition()), flush=True)
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
"""


def test_threads_first_to_parse_suite_parameters_each_get_their_own_result():
    done = subprocess.run([sys.executable, "-c", CHILD, str(PROCESSES), str(THREADS)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    runs = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(runs) == PROCESSES
    # Thread i's low is i: values 0..i-1 fall below it and 31..39 above the high of 30.
    expected = {"threads": [[False, i + 9] for i in range(THREADS)], "after": [False, 14]}
    failed = [r for r in runs if r != expected]
    assert failed == [], f"{len(failed)} of {PROCESSES} processes went wrong, first: {failed[0]}"


@pytest.mark.parametrize("parameter", ["low * 2", "round(low)", "-low"])
def test_a_suite_parameter_that_is_an_expression_is_refused(tmp_path, parameter):
    """Great Expectations evaluates an expression on one stack that every thread shares; a
    plain name it looks up without it."""
    from tasks.validate import SuiteError, load_suite

    path = tmp_path / "suite.json"
    path.write_text(json.dumps({"name": "s", "expectations": [{
        "type": "expect_column_values_to_be_between", "description": "In range.",
        "kwargs": {"column": "n", "min_value": {"$PARAMETER": parameter}},
        "meta": {"code": "T-1", "severity": "error"}}]}), encoding="utf-8")
    with pytest.raises(SuiteError, match="a suite parameter is a plain name"):
        load_suite(path)
    path.write_text(path.read_text().replace(parameter, "low"), encoding="utf-8")
    assert load_suite(path).expectations[0].min_value == {"$PARAMETER": "low"}
