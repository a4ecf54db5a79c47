"""Validate: run a Great Expectations suite from expectations/ over a frame.

A suite is Great Expectations' own JSON. Each expectation also carries, in ``meta``, a
``code`` (the rule's registered name), a ``severity`` (``error`` or ``query``) and
optionally ``locate`` (the file columns a person should look at). Its ``description`` is
the rule in plain words, shown to officers when it fails.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

import great_expectations as gx
import great_expectations.execution_engine.pandas_execution_engine as gx_pandas
import pandas as pd
from great_expectations.core.suite_parameters import EXPR as SUITE_PARAMETER_PARSER
from great_expectations.data_context.types.base import ProgressBarsConfig
from prefect import task
from prefect.cache_policies import NO_CACHE

from statreturns.declaration import NOTES, Context, ReturnDeclaration
from statreturns.quality import REDACTED, SEVERITIES, Check, describe_rows, note_check
from statreturns.settings import get_settings
from tasks.collect import Gathered
from tasks.read import FILE, ROW, shortened, spreadsheet_row


class SuiteError(ValueError):
    """A suite file that does not say what each rule is and how severe it is."""


def load_suite(path: Path) -> gx.ExpectationSuite:
    data = json.loads(path.read_text(encoding="utf-8"))
    for i, expectation in enumerate(data.get("expectations", [])):
        meta = expectation.get("meta", {})
        if meta.get("severity") not in SEVERITIES or not meta.get("code"):
            raise SuiteError(f"{path}: expectation {i + 1} needs meta.code and a meta.severity "
                             f"of {' or '.join(SEVERITIES)}")
        if not expectation.get("description"):
            raise SuiteError(f"{path}: expectation {i + 1} ({meta['code']}) needs a description")
        for value in expectation.get("kwargs", {}).values():
            named = value.get("$PARAMETER") if isinstance(value, dict) else None
            if named is not None and not str(named).isidentifier():
                raise SuiteError(f"{path}: expectation {i + 1} ({meta['code']}): a suite "
                                 "parameter is a plain name, not an expression (Great "
                                 "Expectations evaluates expressions on one stack that all "
                                 "threads share)")
    return gx.ExpectationSuite(**data)


def _settle_suite_parameter_parser() -> None:
    """Call each parse action of the one suite-parameter parser Great Expectations keeps per
    process (it reads every ``{"$PARAMETER": ...}``), here on import, before any thread can.

    pyparsing learns how many arguments a parse action takes by trying on its first calls
    (``_trim_arity``) and remembers the count for good. Threads making those first calls at
    once can leave a wrong count, and every later validation in the process then fails with
    "push_first() missing 1 required positional argument". This expression reaches every
    parse action of the grammar: a sign, each operator, and a function with no arguments,
    with arguments and with keyword arguments."""
    SUITE_PARAMETER_PARSER.get_parser().parse_string(
        "-a + b * c ^ round(d) - now() + timedelta(days=1)", parse_all=True)


_settle_suite_parameter_parser()

_per_thread = threading.local()
_sources = itertools.count(1)


def _batch_definition():
    """This thread's way in to Great Expectations. A batch's frame is kept on its asset, so
    two threads validating at once must not share one: each gets its own."""
    if not hasattr(_per_thread, "definition"):
        # Great Expectations hashes every batch under 1 GB for a fingerprint kept in its
        # batch markers, never read here: at a million rows that was most of the time a
        # suite took (see README, Performance). 0 skips it, as it is skipped above 1 GB.
        gx_pandas.HASH_THRESHOLD = 0
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = context.data_sources.add_pandas(f"statreturns-{next(_sources)}")
        _per_thread.definition = source.add_dataframe_asset(
            "frame").add_batch_definition_whole_dataframe("whole")
    return _per_thread.definition


def _columns(kwargs: dict) -> list[str]:
    named = [kwargs.get(k) for k in ("column", "column_A", "column_B")]
    return [c for c in named if c] + list(kwargs.get("column_list") or [])


def _sample(frame: pd.DataFrame, r, columns: list[str], personal: set[str]) -> str:
    """Up to five offending values, as the file has them; never a personal value."""
    config, res = r.expectation_config, r.result or {}
    if personal & set(columns + _columns(config.kwargs)):
        return REDACTED
    if (config.meta or {}).get("locate"):  # a helper column: show the file's own columns
        index = res.get("partial_unexpected_index_list") or []
        values = [" / ".join(_show(frame.at[i, c]) for c in columns) for i in index]
    else:
        values = [_show(v) for v in res.get("partial_unexpected_list", []) if not _blank(v)]
    observed = res.get("observed_value")
    if not values and observed is not None and not isinstance(observed, list | dict):
        values = [f"found {_show(observed)}"]
    return ", ".join(shortened(v) for v in list(dict.fromkeys(values))[:5])


def _blank(value: object) -> bool:
    return value is None or (not isinstance(value, tuple | list) and bool(pd.isna(value)))


def _show(value: object) -> str:
    if _blank(value):
        return "(blank)"
    if isinstance(value, tuple):
        return "/".join(_show(v) for v in value)
    if isinstance(value, datetime | pd.Timestamp) and not pd.isna(value):
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "dtype") and "datetime64" in str(value.dtype):
        return _show(pd.Timestamp(value))
    return str(value)


def _raised(info: dict | None) -> str | None:
    """The message of an error that stopped a rule being checked (Great Expectations keeps
    it at the top level, or under the metric that raised it)."""
    for found in [info or {}, *(v for v in (info or {}).values() if isinstance(v, dict))]:
        if found.get("raised_exception"):
            return str(found.get("exception_message", ""))
    return None


def _validate(frame: pd.DataFrame, suite: gx.ExpectationSuite, parameters: dict) -> list:
    """Every expectation's result, in the suite's order.

    The rules that read the same columns are checked together over just those columns:
    Great Expectations copies its whole batch several times for every rule, so one batch
    of every column costs far more (more than twice the time for a suite of 19 rules over
    a million rows; see README, Performance). Columns no rule reads, personal data among
    them, are never handed over."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, expectation in enumerate(suite.expectations):
        groups.setdefault(tuple(_columns(expectation.configuration.kwargs)), []).append(i)
    results = {}
    for columns, positions in groups.items():
        part = gx.ExpectationSuite(name=suite.name,
                                   expectations=[suite.expectations[i].copy() for i in positions])
        present = [c for c in columns if c in frame.columns]  # GX reports the missing ones
        batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame[present]})
        found = batch.validate(
            part, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 10},
            expectation_parameters=parameters)
        results.update(zip(positions, found.results, strict=True))
    return [results[i] for i in range(len(suite.expectations))]


def run_suite(
    frame: pd.DataFrame,
    suite: gx.ExpectationSuite,
    parameters: dict,
    *,
    locate: Callable[[list[str], list, int], str],
    personal: Iterable[str] = (),
) -> list[Check]:
    """One `Check` per expectation. `locate(columns, index_values, count)` words the place."""
    personal = set(personal)
    checks = []
    for r in _validate(frame, suite, parameters):
        config = r.expectation_config
        meta = config.meta or {}
        columns = list(meta.get("locate") or _columns(config.kwargs))
        res = r.result or {}
        count = int(res.get("unexpected_count") or 0)
        message = config.description
        raised = _raised(r.exception_info)
        if raised is not None:  # the error's words may quote a value: not a personal one
            reads_personal = personal & set(columns + _columns(config.kwargs))
            message = (f"{message} (this rule could not be checked: "
                       f"{REDACTED if reads_personal else raised[:200]})")
        success = bool(r.success)
        index = res.get("partial_unexpected_index_list") or []
        sample = "" if success else _sample(frame, r, columns, personal)
        checks.append(Check(
            suite=suite.name, code=meta["code"], expectation_type=config.type,
            severity=meta["severity"], success=success, message=message,
            column=", ".join(columns) or None, unexpected_count=count, sample=sample,
            location=locate(columns, index, count) if not success else "",
            rows_key="" if success else _rows_key(frame, index, res, personal)))
    return checks


def _rows_key(frame: pd.DataFrame, index: list, res: dict, personal: set[str]) -> str:
    """A hash of what the flagged rows hold (every column but personal data, which a hash
    would let be guessed, and where the rows sit in which file), so that an explanation
    follows the rows, not their positions."""
    content = [[_show(v) for c, v in frame.loc[i].items()
                if c not in (FILE, ROW) and c not in personal]
               for i in index if i in frame.index]
    text = json.dumps([content, int(res.get("unexpected_count") or 0),
                       _show(res.get("observed_value"))], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _place(label: str, letters: dict[str, str], columns: list[str], rows: str) -> str:
    cols = ", ".join(f"{letters[c]} ({c})" for c in columns if c in letters)
    return ", ".join(p for p in (label, f"column {cols}" if cols else "", rows) if p)


def spreadsheet_locator(file_label: str, letters: dict[str, str]) -> Callable:
    """Words a place in one source file: its name, column letters and spreadsheet rows."""

    def locate(columns: list[str], index: list, count: int) -> str:
        rows = describe_rows([spreadsheet_row(int(i)) for i in index], count)
        return _place(file_label, letters, columns, rows)

    return locate


def stacked_locator(frame: pd.DataFrame, letters: dict[str, dict[str, str]],
                    places: dict[str, str] | None = None) -> Callable:
    """Words a place in the rows of several files stacked together (see `tasks.collect`);
    `places` words a file where more than its name is needed (a workbook's sheet)."""
    places = places or {}

    def place(label: str, columns: list[str], rows: list[int], count: int) -> str:
        return _place(places.get(label, label), letters[label], columns,
                      describe_rows(rows, count))

    def locate(columns: list[str], index: list, count: int) -> str:
        by_file: dict[str, list[int]] = {}
        for i in index:
            by_file.setdefault(frame.at[i, FILE], []).append(int(frame.at[i, ROW]))
        if len(by_file) == 1:
            [(label, rows)] = by_file.items()
            return place(label, columns, rows, count)
        found = [place(label, columns, rows, len(rows)) for label, rows in by_file.items()]
        more = count - len(index)
        return "; ".join(found) + (f"; and {more} more rows" if more > 0 else "")

    return locate


def key_locator(table_label: str, frame: pd.DataFrame) -> Callable:
    """Words a place in a frame of figures by the value of its first column."""
    key = frame.columns[0]

    def locate(columns: list[str], index: list, count: int) -> str:
        keys = [str(frame.loc[i, key]) for i in index if i in frame.index]
        where = f"{key} {', '.join(keys)}" if keys else ""
        return ", ".join(p for p in (table_label, where, ", ".join(columns)) if p)

    return locate


def suite_path(return_id: str, suite: str) -> Path:
    return get_settings().expectations / return_id / f"{suite}.json"


def check_source(return_id: str, got: Gathered, ctx: Context) -> list[Check]:
    """The source's suite over its stacked rows."""
    source = got.source
    parameters = source.parameters(ctx) if source.parameters else {}
    return run_suite(got.frame, load_suite(suite_path(return_id, source.suite)), parameters,
                     locate=stacked_locator(got.frame, got.letters, got.places),
                     personal=source.personal_columns)


def check_figures(return_id: str, frames: dict[str, pd.DataFrame]) -> list[Check]:
    """Each frame of figures that must agree, through the suite of the same name."""
    checks = []
    for suite, frame in frames.items():
        frame = frame.reset_index(drop=True)
        checks += run_suite(frame, load_suite(suite_path(return_id, suite)), {},
                            locate=key_locator(suite, frame))
    return checks


@task(name="validate source", cache_policy=NO_CACHE, task_run_name="validate {got.source.name}")
def validate_source(return_id: str, got: Gathered, ctx: Context) -> list[Check]:
    return check_source(return_id, got, ctx)


@task(name="validate return", cache_policy=NO_CACHE)
def validate_return(declaration: ReturnDeclaration, tables: dict[str, pd.DataFrame],
                    ctx: Context) -> list[Check]:
    """The return's suites over the figures that must agree (totals, years, periods), then
    the notes its assembly made."""
    notes = tables.get(NOTES, pd.DataFrame(columns=["note"]))["note"]
    return [*check_figures(declaration.id, declaration.reconcile(tables, ctx)),
            *(note_check(declaration.id, note) for note in notes)]
