"""Arguments from the command line, deployment parameters and the sign-off form are checked
before anything runs: traversal, paths outside the inbox, control characters, long values."""

import os

import pytest
from conftest import PERIOD, breach, ran, write_log
from sqlmodel import select
from typer.testing import CliRunner

from flows.pspo_breaches import pspo_breaches
from flows.skeleton import RunRefused
from statreturns.app.cli import app
from statreturns.arguments import ArgumentRefused, check_text, inbox_file, shown
from statreturns.settings import get_settings
from statreturns.store.db import session
from statreturns.store.models import QualityResult, Run

pytestmark = [pytest.mark.store, pytest.mark.usefixtures("harness")]  # refused runs are
# recorded; a run that is not refused reports to the test server

ESC = "\x1b[31m"


def refused(*args: str) -> str:
    """The command's output, having checked it was refused with exit code 2 and nothing ran."""
    with session() as s:
        before = len(s.exec(select(Run)).all())
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert "Refused:" in result.output and "Traceback" not in result.output
    assert ESC not in result.output and "\x00" not in result.output
    with session() as s:
        assert len(s.exec(select(Run)).all()) == before
    return result.output.replace("\n", " ")


def inbox() -> os.PathLike:
    return get_settings().inbox


def test_a_shown_value_has_its_control_characters_escaped_and_is_cut_short():
    assert shown("demo") == "'demo'"
    assert shown(f"de{ESC}mo") == "'de\\\\x1b[31mmo'"
    assert shown("x" * 500) == "'" + "x" * 60 + "...'"


@pytest.mark.parametrize("authority", ["../demo", "/etc", "demo/../../x", f"demo{ESC}",
                                       "d\x00emo", "demo\n", "a" * 300, "DEMO", ""])
def test_an_authority_that_is_not_a_plain_name_is_refused(authority):
    out = refused("run", "pspo-breaches", "--period", PERIOD, "--authority", authority)
    assert "authority" in out and "is not allowed" in out


@pytest.mark.parametrize("period", [f"{PERIOD}\n", f"2026-{ESC}10", "9" * 5000, "../2026-10"])
def test_a_period_with_control_characters_or_too_long_is_refused(period):
    out = refused("run", "pspo-breaches", "--period", period)
    assert "period" in out


def test_a_return_that_is_not_declared_is_refused_without_echoing_it_raw():
    out = refused("run", f"../pspo{ESC}", "--period", PERIOD)
    assert "no return '../pspo\\\\x1b[31m'" in out


@pytest.mark.parametrize("reason", [f"fixed{ESC}", "a\x00b", "r" * 2001])
def test_a_reason_with_control_characters_or_too_long_is_refused(reason):
    out = refused("rerun", "pspo-breaches", "--period", PERIOD, "--reason", reason)
    assert "the reason" in out


def test_a_file_outside_the_inbox_is_refused():
    outside = get_settings().var / "elsewhere.csv"
    outside.write_text("breach_id\n")
    out = refused("run", "pspo-breaches", "--period", PERIOD, "--input", str(outside))
    assert "is outside the inbox" in out and "Copy the file into" in out
    refused("run", "pspo-breaches", "--period", PERIOD, "--input", "/etc/passwd")


def test_climbing_out_of_the_inbox_with_dots_is_refused():
    escape = inbox() / "demo" / ".." / ".." / "statreturns.db"
    out = refused("run", "pspo-breaches", "--period", PERIOD,
                  "--input", f"enforcement-log={escape}")
    assert "is outside the inbox" in out


def test_a_link_in_the_inbox_to_a_file_outside_it_is_refused():
    folder = inbox() / "demo" / "links"
    folder.mkdir(parents=True, exist_ok=True)
    link = folder / "enforcement-log.csv"
    if not link.is_symlink():
        link.symlink_to("/etc/passwd")
    refused("run", "pspo-breaches", "--period", PERIOD, "--input", str(link))


def test_another_authoritys_inbox_is_outside_this_ones():
    theirs = inbox() / "other" / "enforcement-log.csv"
    theirs.parent.mkdir(parents=True, exist_ok=True)
    theirs.write_text("breach_id\n")
    out = refused("run", "pspo-breaches", "--period", PERIOD, "--input", str(theirs))
    assert "is outside the inbox" in out


def test_a_file_argument_with_control_characters_or_too_long_is_refused():
    refused("run", "pspo-breaches", "--period", PERIOD, "--input", f"log{ESC}.csv")
    refused("run", "pspo-breaches", "--period", PERIOD, "--input", "l" * 2000 + ".csv")


def test_a_relative_path_from_a_deployment_is_read_from_the_periods_inbox_folder(tmp_path):
    root, folder = inbox() / "demo", inbox() / "demo" / "pspo-breaches" / "R12-2026-10"
    assert inbox_file("corrected/log.csv", root, folder) == folder / "corrected" / "log.csv"
    with pytest.raises(ArgumentRefused, match="outside the inbox"):
        inbox_file("../../../../../x.csv", root, folder)
    with pytest.raises(ArgumentRefused, match="empty"):
        inbox_file(" ", root, folder)


def test_text_may_hold_line_breaks_only_where_asked():
    assert check_text("the comment", "one\ntwo", lines=True) == "one\ntwo"
    with pytest.raises(ArgumentRefused, match="control characters"):
        check_text("the name", "one\ntwo")


@pytest.mark.usefixtures("harness")
@pytest.mark.parametrize("parameters", [
    {"authority": "../../etc"},
    {"inputs": ["/etc/passwd"]},
    {"inputs": ["enforcement-log=../../../../statreturns.db"]},
    {"trigger": "scheduled; rm -rf /"},
    {"reason": "x" * 5000},
])
def test_deployment_parameters_are_refused_on_record_before_anything_is_read(parameters):
    arguments = {"period": PERIOD, "authority": "demo", **parameters}
    with pytest.raises(RunRefused):
        pspo_breaches(**arguments)
    with session() as s:
        run = s.exec(select(Run).order_by(Run.id.desc())).first()
    assert (run.status, run.version, run.input_fingerprint) == ("refused", None, None)
    assert len(run.authority) <= 40 and run.authority.isprintable()
    assert "x" * 100 not in run.message


@pytest.mark.usefixtures("harness")
def test_a_period_folder_linked_to_one_outside_the_inbox_is_not_read():
    outside = get_settings().var / "outside-the-inbox"
    write_log(outside / "enforcement-log.csv", [breach()])
    period = inbox() / "demo" / "pspo-breaches" / "R12-2026-05"
    period.parent.mkdir(parents=True, exist_ok=True)
    period.symlink_to(outside, target_is_directory=True)
    summary = ran(pspo_breaches, period="R12-2026-05", authority="demo")
    assert summary.status == "blocked"
    with session() as s:
        [refused] = [r for r in s.exec(select(QualityResult).where(
            QualityResult.run_id == summary.run_id)) if not r.success]
    assert refused.code == "FILE-UNREADABLE"
    assert "reached through a link to outside the inbox" in refused.message
    assert not list(get_settings().archive.rglob("*.csv")) or all(
        p.read_bytes() != (outside / "enforcement-log.csv").read_bytes()
        for p in get_settings().archive.rglob("*.csv"))
