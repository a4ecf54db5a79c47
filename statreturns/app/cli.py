"""The ``statreturns`` command."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Column, Table

from statreturns import authorities
from statreturns.app.terminal import (
    REFUSED,
    AuthorityOpt,
    DemoAuthorityOpt,
    JsonOpt,
    PeriodOpt,
    ReturnArg,
    console,
    err,
    refuse,
)
from statreturns.app.version_commands import versions
from statreturns.arguments import shown
from statreturns.periods import latest_complete
from statreturns.secrets import NAMES
from statreturns.settings import get_settings
from statreturns.summary import RunSummary

if TYPE_CHECKING:
    from statreturns.app.servers import Server

app = typer.Typer(help="Statutory returns: run them, see how they went.",
                  no_args_is_help=True, pretty_exceptions_enable=False)

ReplaceOpt = Annotated[bool, typer.Option(
    help="Let demo data overwrite files already in the inbox")]
ProvisionalOpt = Annotated[bool, typer.Option(
    help="Run a period that has not ended yet: every output is marked provisional")]
def _registry():
    """The declared returns: loaded (with the flows' machinery) only by the commands that
    run or describe them."""
    from flows import registry

    return registry


@contextmanager
def _server() -> Iterator[Server]:
    """The Prefect server of this command's runs (`statreturns.app.servers`)."""
    from statreturns.app import servers

    with servers.for_runs() as server:
        yield server


VERDICT_STYLE = {"pass": "green", "queries": "yellow", "blocked": "red", None: "red"}


def run_and_report(server: Server, return_id: str, period: str, authority: str,
                   inputs: list[str], trigger: str = "manual", reason: str = "",
                   force: bool = False, provisional: bool = False) -> int:
    """Run a return through its Prefect flow on `server`, show the outcome, give the exit
    code."""
    from flows.skeleton import (
        EXIT_CODES,
        RunFailed,
        RunHeld,
        RunRefused,
        checked,
        load_stages,
        outcome,
    )

    inputs = [_from_here(item) for item in inputs]
    try:
        module = _registry().get(return_id)
        ctx, *_ = checked(module.DECLARATION, period, authority, inputs, trigger, reason,
                          provisional)
    except (KeyError, RunRefused) as exc:
        err.print(f"[red]Refused:[/red] {exc.args[0]}")
        return EXIT_CODES["held"] if isinstance(exc, RunHeld) else REFUSED
    _server_takes_us(server, authority, return_id, str(ctx.period))
    flow = _registry().flow_of(return_id)
    with console.status(f"Running {return_id} for {authority}, {ctx.period} ..."), \
            server.ready(meanwhile=load_stages):
        try:
            summary = outcome(flow(period=str(ctx.period), authority=authority, inputs=inputs,
                                   trigger=trigger, reason=reason, force=force,
                                   provisional=provisional, return_state=True))
        except (RunFailed, Exception) as exc:  # recorded as failed; shown without a traceback
            err.print(f"[red]Failed:[/red] {return_id} {ctx.period}: {type(exc).__name__}: "
                      f"{str(exc)[:300]}")
            return EXIT_CODES["failed"]
    _show_summary(summary)
    return EXIT_CODES[summary.status]


def _from_here(item: str) -> str:
    """``SOURCE=FILE`` or ``FILE`` with the file's path made absolute: the command line
    means paths from the current folder, a run means them from the period's inbox."""
    name, sep, path = item.partition("=")
    if not sep:
        name, path = "", item
    if not path.strip():
        return item
    absolute = str(Path(path).expanduser().absolute())
    return f"{name}={absolute}" if sep else absolute


def _show_summary(summary: RunSummary) -> None:
    from statreturns import reports
    from statreturns.quality import VERDICT_WORDS

    style = VERDICT_STYLE[summary.verdict]
    console.print(f"[bold]{summary.title}[/bold] {summary.authority} {summary.period}: "
                  f"[{style}]{VERDICT_WORDS[summary.verdict]}[/{style}]")
    for line in summary.replaced:
        console.print(f"  {line}", soft_wrap=True)
    if summary.status == "produced":
        marks = [f"a resubmission replacing version {summary.resubmits}"] \
            if summary.resubmits else []
        marks += ["provisional: the period has not ended"] if summary.provisional else []
        console.print(f"  version {summary.version} in {summary.outputs_dir}"
                      + "".join(f"; {m}" for m in marks), soft_wrap=True)
    else:
        console.print(f"  {summary.message}")
    [*_, latest] = reports.runs(summary.return_id, summary.period, summary.authority)
    if step := reports.next_command(latest):
        console.print(f"  next: {step}", soft_wrap=True, markup=False)
    console.print(f"  details: statreturns history {summary.return_id} --period "
                  f"{summary.period} --authority {summary.authority}")


@app.command("list")
def list_returns(
    fmt: Annotated[str, typer.Option("--format", help="table or markdown (the README's)")]
    = "table",
) -> None:
    """The declared returns, their periods, deadlines, recipients and owners."""
    if fmt == "markdown":
        from statreturns.app.describe import returns_markdown

        print(returns_markdown())
        return
    if fmt != "table":
        refuse(f"--format is table or markdown, not {fmt!r}")
    from statreturns.calendar import deadline_rule
    from statreturns.declaration import BOARD, PUBLICATION
    table = Table("title", "periods", "deadline", "recipient", "owner", "sign-off")
    table.columns.insert(0, Column("return", no_wrap=True))
    for d in _registry().declarations().values():
        table.add_row(d.id, d.title, ", ".join(t.value for t in d.period_types),
                      deadline_rule(d),
                      d.recipient, d.owner, "yes" if d.sign_off else "no")
    console.print(table)
    tables = Table("audiences", "disclosure", title="Tables: who each is for, and how its "
                   "counts are published")
    tables.columns.insert(0, Column("return / table", no_wrap=True))
    for d in _registry().declarations().values():
        for t in d.tables:
            audiences = ", ".join(f"{a} (delivered)" if a == d.delivers else a
                                  for a in t.audiences)
            public = t.is_for(BOARD) or t.is_for(PUBLICATION)
            tables.add_row(f"{d.id} / {t.name}", audiences,
                           t.disclosure.brief if public else "not public: exact")
    console.print(tables)


@app.command()
def run(
    return_id: ReturnArg,
    period: PeriodOpt,
    authority: AuthorityOpt = None,
    input_: Annotated[list[str] | None, typer.Option(
        "--input", "-i", help="A source file (SOURCE=FILE where a return has several)")] = None,
    reason: Annotated[str, typer.Option(help="Why this run")] = "",
    force: Annotated[bool, typer.Option(help="Make a new version even when inputs, rules "
                                        "and code are unchanged")] = False,
    provisional: ProvisionalOpt = False,
) -> None:
    """Run one return for one period. A file given with --input becomes the period's
    current source in the inbox (the file it replaces is kept in the archive)."""
    with _server() as server:
        server.start()  # it comes up while the flows load and the arguments are checked
        code = run_and_report(server, return_id, period, authority, input_ or [],
                              reason=reason, force=force, provisional=provisional)
    raise typer.Exit(code)


@app.command()
def rerun(
    return_id: ReturnArg,
    period: PeriodOpt,
    reason: Annotated[str, typer.Option(help="Why: the correction made (required)")],
    authority: AuthorityOpt = None,
    input_: Annotated[list[str] | None, typer.Option(
        "--input", "-i", help="A corrected source file (SOURCE=FILE)")] = None,
    force: Annotated[bool, typer.Option(help="Make a new version even when nothing "
                                        "changed")] = False,
    provisional: ProvisionalOpt = False,
) -> None:
    """Run a return again after a correction: version N+1, every earlier version kept. The
    only way to replace a version that is approved or submitted (a resubmission)."""
    if not reason.strip():
        refuse("a rerun needs --reason: what was corrected")
    with _server() as server:
        server.start()
        code = run_and_report(server, return_id, period, authority, input_ or [],
                              trigger="rerun", reason=reason, force=force,
                              provisional=provisional)
    raise typer.Exit(code)


@app.command()
def backfill(
    return_id: ReturnArg,
    first: Annotated[str, typer.Option("--from", help="First period, e.g. 2021-11")],
    last: Annotated[str, typer.Option("--to", help="Last period, of the same type")],
    authority: AuthorityOpt = None,
    reason: Annotated[str, typer.Option(help="Why, e.g. the definition that changed")]
    = "backfill",
    demo_data: Annotated[bool, typer.Option(help="Generate demo data for each period "
                                            "first")] = False,
    force: Annotated[bool, typer.Option(help="New versions even where nothing "
                                        "changed")] = False,
    replace: ReplaceOpt = False,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Periods run at once (default: the machine's cores)")] = None,
) -> None:
    """Run a return for every period from --from to --to, several at once, each its own
    recorded run, version and flow run, on one Prefect server. Ctrl-C lets the periods
    running finish and starts no more. Given PREFECT_API_URL and the return's deployment
    there, the periods go to the work pool instead, for its workers to share."""
    import os

    from statreturns.app.backfill import backfill as run_all
    from statreturns.app.backfill import through_the_pool
    from statreturns.periods import PeriodError, parse_period, series

    try:
        periods = [str(p) for p in series(parse_period(first), parse_period(last))]
        _registry().check(return_id)
    except (PeriodError, KeyError) as exc:
        refuse(exc.args[0])
    with _server() as server:
        if demo_data:
            for period in periods:
                _generate(return_id, period, authority, None, False, None, replace)
        _server_takes_us(server, authority, return_id, first)
        outcomes, stopped = through_the_pool(server, return_id, periods, authority, reason,
                                             force) or \
            run_all(server, return_id, periods, authority, reason, force,
                    min(workers or os.cpu_count() or 1, len(periods)))
    for o in outcomes:
        if o.message:
            console.print(f"  {o.period}: {o.status}: {o.message}", soft_wrap=True,
                          markup=False)
    done = sum(o.code == 0 for o in outcomes)
    console.print(f"{len(outcomes)} of {len(periods)} periods run: {done} produced or "
                  f"unchanged, {len(outcomes) - done} not"
                  + ("; stopped before the rest (Ctrl-C)" if stopped else ""))
    raise typer.Exit(130 if stopped else max((o.code for o in outcomes), default=0))


def _marks(run: dict) -> str:
    """" (a resubmission of version 2, provisional)", as far as either applies."""
    marks = [f"a resubmission of version {run['resubmits']}"] if run["resubmits"] else []
    marks += ["provisional"] if run["provisional"] else []
    return f" ({', '.join(marks)})" if marks else ""


@app.command()
def status(as_json: JsonOpt = False) -> None:
    """The latest run of each return and period, with its data-quality results and where
    its version stands in sign-off."""
    from rich.markup import escape

    from statreturns import reports

    rows = reports.latest_runs()
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    table = Table("status", "verdict", "version", "errors", "queries", "sign-off")
    table.columns[:0] = [Column(name, no_wrap=True) for name in ("authority", "return",
                                                                  "period")]
    for r in rows:
        dq = r["data_quality"]
        style = VERDICT_STYLE.get(r["verdict"], "red")
        table.add_row(r["authority"], r["return"], r["period"], r["status"],
                      f"[{style}]{r['verdict'] or '-'}[/{style}]",
                      f"{r['version'] or r['same_as_version'] or '-'}{_marks(r)}",
                      str(dq["errors"]), str(dq["queries"]),
                      "-" if r["sign_off"] == "not needed"
                      else escape(reports.sign_off_words(r)))
    console.print(table)
    for r in rows:
        if r["outputs_dir"]:
            console.print(f"{r['return']} {r['period']}: {r['outputs_dir']}", soft_wrap=True)
    todo = [(r, step) for r in rows if (step := reports.next_command(r))]
    if todo:
        console.print("\nNext:")
    for r, step in todo:
        console.print(f"  {r['return']} {r['period']}: {step}", soft_wrap=True, markup=False)


def _date(text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        refuse(f"'{text}' is not a date: write YYYY-MM-DD")


@app.command()
def calendar(
    from_: Annotated[str | None, typer.Option("--from", help="YYYY-MM-DD (default: today, "
                                              "with everything overdue)")] = None,
    to: Annotated[str | None, typer.Option(help="YYYY-MM-DD (default: 60 days on)")] = None,
    authority: AuthorityOpt = None,
    today: Annotated[str | None, typer.Option(help="Judge states as on this day")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Each return and period due: its deadline, the planned run date and its state."""
    from datetime import timedelta

    from statreturns import calendar as cal

    now = _date(today, date.today())
    start = _date(from_, now)
    end = _date(to, start + timedelta(days=60))
    returns = _registry().declarations()
    found = cal.board(returns, authority, now, (end - now).days) if from_ is None else \
        cal.lines(returns, authority, start, end, now)
    rows = [{"return": line.due.return_id, "period": str(line.due.period),
             "deadline": line.due.deadline.isoformat(), "planned": line.due.planned.isoformat(),
             "state": line.state} for line in found]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("deadline", "planned run", "return", "period", "state")
    for r in rows:
        style = "red" if r["state"] == "overdue" else "default"
        table.add_row(r["deadline"], r["planned"], r["return"], r["period"],
                      f"[{style}]{r['state']}[/{style}]")
    console.print(table)


@app.command()
def rules(
    return_id: Annotated[str | None, typer.Argument(help="Only this return's rules")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or csv")] = "table",
) -> None:
    """Every rule of every return: its code, severity and what it asks, in plain words."""
    import csv

    from statreturns.app.rules import FIELDS, catalogue

    if return_id:
        try:
            _registry().get(return_id)
        except KeyError as exc:
            refuse(exc.args[0])
    if fmt not in ("table", "csv"):
        refuse(f"--format is table or csv, not {fmt!r}")
    rows = catalogue(return_id)
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    table = Table("severity", "checks", "columns", "rule")
    table.columns[:0] = [Column("return", no_wrap=True), Column("code", no_wrap=True)]
    for r in rows:
        table.add_row(r["return"], r["code"], r["severity"], r["checks"], r["columns"],
                      r["rule"])
    console.print(table)


@app.command()
def history(return_id: ReturnArg, period: PeriodOpt, authority: AuthorityOpt = None,
            as_json: JsonOpt = False) -> None:
    """Every run of a return for a period, oldest first, with failed checks, explanations
    and sign-off."""
    from rich.markup import escape

    from statreturns import reports
    from statreturns.periods import PeriodError, parse_period

    try:
        period = str(parse_period(period))
    except PeriodError as exc:
        refuse(str(exc))
    rows = reports.runs(return_id, period, authority)
    if as_json:
        print(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        console.print(f"No runs of {return_id} for {authority}, {period}.")
    for r in rows:
        style = VERDICT_STYLE.get(r["verdict"], "red")
        console.print(f"[bold]run {r['run_id']}[/bold] {r['started_at']:%Y-%m-%d %H:%M} "
                      f"{r['trigger']} [{style}]{r['status']}[/{style}] "
                      f"version {r['version'] or r['same_as_version'] or '-'}{_marks(r)} "
                      f"verdict {r['verdict'] or '-'} {escape(r['reason'])}")
        for d in r["decisions"]:
            console.print(f"   {d['decision']} by {d['by']} {d['at']:%Y-%m-%d %H:%M} "
                          f"{d['comment']}")
        if r["submitted"]:
            console.print(f"   submitted {r['submitted']['at']:%Y-%m-%d %H:%M} to "
                          f"{r['submitted']['destination']}")
        if r["sign_off"] != "not needed":
            console.print(f"   sign-off: {escape(reports.sign_off_words(r))}")
        for e in r["explanations"] if r["version"] else []:
            console.print(f"   explained {e['code']} by {escape(e['author'])} "
                          f"{e['at']:%Y-%m-%d %H:%M}: {escape(e['text'])}")
        for c in r["data_quality"]["results"]:
            if not c["success"]:
                console.print(f"   {c['severity']:5} {c['code']}: {c['message']} "
                              f"({c['unexpected_count']} found) {c['location']}")
        if r["message"]:
            console.print(f"   {r['message']}")


@app.command()
def generate(
    return_id: ReturnArg,
    period: PeriodOpt,
    authority: DemoAuthorityOpt = "demo",
    rows: Annotated[int | None, typer.Option(help="Rows to generate (default: realistic)")]
    = None,
    problems: Annotated[bool, typer.Option(help="Include a few deliberate mistakes")] = False,
    out: Annotated[Path | None, typer.Option(help="Folder to write to (default: the inbox)")]
    = None,
    replace: ReplaceOpt = False,
) -> None:
    """Write demo source files for a return and period (the demo authority's inbox unless
    told otherwise); a file already there is never replaced unless --replace."""
    for path in _generate(return_id, period, authority, rows, problems, out, replace):
        console.print(f"wrote {path}")


def _generate(return_id: str, period: str, authority: str, rows: int | None, problems: bool,
              out: Path | None, replace: bool = False) -> list[Path]:
    """Write demo data; a file already there with other content is never replaced unless
    `replace` (it may be a council's file, or a correction): refused, naming it."""
    from flows.demo_data import as_workbook
    from flows.skeleton import RunRefused, prepare
    from tasks.collect import SOURCE_SUFFIXES, inbox_folder

    declaration = _registry().get(return_id).DECLARATION
    try:
        ctx = prepare(declaration, period, authority, provisional=True)
    except RunRefused as exc:
        refuse(str(exc))
    folder = out or inbox_folder(get_settings().inbox, return_id, ctx)
    demo = _registry().demo_data(return_id)
    frames = demo.generate(ctx.period, ctx.config, rows, problems)
    workbooks = getattr(demo, "WORKBOOKS", {})
    # a name may be a source's folder and a file in it
    wanted = {folder / f"{name}.xlsx": as_workbook(frame, workbooks[name])
              for name, frame in frames.items() if name in workbooks} | {
        folder / f"{name}.csv": frame.to_csv(index=False, lineterminator="\n").encode()
        for name, frame in frames.items() if name not in workbooks}
    there = [p for path, data in wanted.items() for p in
             (path.with_suffix(suffix) for suffix in SOURCE_SUFFIXES)
             if p.is_file() and (p != path or p.read_bytes() != data)]
    if there and not replace:
        one = len(there) == 1
        refuse(f"{', '.join(str(p) for p in there)} {'is' if one else 'are'} already in the "
               f"inbox: demo data does not replace files. Move {'it' if one else 'them'} "
               f"away, or give --replace to overwrite {'it' if one else 'them'} (a "
               "correction in it would be lost)")
    written = []
    for path, data in wanted.items():
        for old in there:
            if old.with_suffix("") == path.with_suffix("") and old != path:
                old.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        partial.replace(path)
        written.append(path)
    return written


@app.command()
def demo(
    rows: Annotated[int | None, typer.Option(help="Rows per source (default: realistic)")]
    = None,
) -> None:
    """Generate demo data and run every return for the demo authority's latest period."""
    authority = authorities.DEMO
    results = []
    with _server() as server:
        for rid, declaration in _registry().declarations().items():
            period = str(latest_complete(declaration.default_period_type, date.today()))
            _generate(rid, period, authority, rows, problems=True, out=None)
            code = run_and_report(server, rid, period, authority, inputs=[],
                                  trigger="manual", reason="demo")
            results.append((rid, period, code))
    console.print()
    from sqlalchemy.engine import make_url

    store = make_url(get_settings().db_url).render_as_string(hide_password=True)
    console.print(f"Outputs are under {get_settings().outputs}/{authority}/; "
                  f"the store is {store}")
    console.print("See them with: statreturns status")
    if any(code for *_, code in results):
        raise typer.Exit(1)


app.add_typer(versions)
ops = typer.Typer(help="Setting up and running the product on a Prefect server.",
                  no_args_is_help=True)
app.add_typer(ops, name="ops")


@ops.command("deployments")
def ops_deployments(
    check: Annotated[bool, typer.Option(help="Only say whether prefect.yaml is up to date")]
    = False,
) -> None:
    """Write prefect.yaml from the returns and the statutory calendar."""
    from statreturns.app import prefect_yaml

    current = prefect_yaml.PATH.read_text(encoding="utf-8") if prefect_yaml.PATH.exists() else ""
    wanted = prefect_yaml.render()
    if check:
        if current != wanted:
            err.print("prefect.yaml is out of date: run `statreturns ops deployments`")
            raise typer.Exit(1)
        console.print("prefect.yaml is up to date")
        return
    partial = prefect_yaml.PATH.with_name(".prefect.yaml.partial")
    partial.write_text(wanted, encoding="utf-8")
    partial.replace(prefect_yaml.PATH)
    console.print(f"wrote {prefect_yaml.PATH}")


@ops.command("install-automations")
def ops_install_automations() -> None:
    """Create (or replace) the alerts on the Prefect server of PREFECT_API_URL: a failed or
    crashed run, a return blocked by its data, an overdue return -> the webhook, a secret
    (STATRETURNS_ALERT_WEBHOOK_URL, or the Secret block saved by `ops save-secret`)."""
    from statreturns.app.alerts import install

    _server_takes_us()
    url = get_settings().alert_webhook_url
    if not url:
        refuse("no webhook: set STATRETURNS_ALERT_WEBHOOK_URL, or save it on the server with "
               "statreturns ops save-secret alert-webhook-url")
    for name in install(url):
        console.print(f"installed: {name}")


@ops.command("save-secret")
def ops_save_secret(
    name: Annotated[str, typer.Argument(help=f"One of: {', '.join(NAMES)}")],
) -> None:
    """Keep a secret in a Prefect Secret block on the server of PREFECT_API_URL. The value
    is read from standard input or asked for without showing it, never from the command
    line (which shell histories and process lists keep)."""
    from statreturns.secrets import save

    if name not in NAMES:
        refuse(f"{shown(name)} is not a secret statreturns reads: {', '.join(NAMES)}")
    _server_takes_us()
    value = sys.stdin.readline().strip() if not sys.stdin.isatty() else \
        typer.prompt(name, hide_input=True)
    if not value:
        refuse("no value was given")
    console.print(f"saved in the Secret block {save(name, value)}")


@ops.command("serve")
def ops_serve(
    port: Annotated[int, typer.Option(help="Port of the Prefect server and its UI")] = 4200,
    host: Annotated[str, typer.Option(
        help="Address to listen on: this machine only, unless another is given (put the "
             "server behind the council's single sign-on proxy instead)")] = "127.0.0.1",
    no_auth: Annotated[bool, typer.Option(
        "--no-auth", help="No credential: a local demo on 127.0.0.1 only")] = False,
) -> None:
    """A local Prefect server with the work pool, every deployment, the alerts (when a
    webhook is set), a worker and a first deadline sweep (the returns board): the whole
    product, running, at http://HOST:PORT. The server asks for its credential
    (PREFECT_SERVER_API_AUTH_STRING, user:password) and checks CSRF tokens."""
    import signal
    import time

    from statreturns.app import ops as server
    from statreturns.app import servers

    if no_auth and host != "127.0.0.1":
        refuse("--no-auth serves 127.0.0.1 only: anyone who can reach another address "
               "could start runs and sign returns off")
    try:
        auth = None if no_auth else server.credential()
    except server.ServerRefused as exc:
        refuse(str(exc))

    def interrupt(*_):  # stopped by a service manager: stop what was started, as on Ctrl-C
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    settings = get_settings()
    ui = f"http://{host}:{port}"
    logs = settings.var / "server"
    logs.mkdir(parents=True, exist_ok=True)
    env = server.environment(f"{ui}/api", settings.var / "prefect", auth)
    processes = [server.start_server(port, server.server_environment(env, auth),
                                     logs / "server.log", host)]
    try:
        server.wait_until_healthy(f"{ui}/api")
        servers.announce(f"{ui}/api")  # this home's command-line runs report here
        server.set_up(env)
        console.print(server.install_alerts(env), soft_wrap=True)
        processes.append(server.start_worker(env, logs / "worker.log"))
        console.print(server.sweep_now(env, ui), soft_wrap=True)
        console.print(f"Prefect UI: {ui} (logs in {logs}); Ctrl-C stops", soft_wrap=True)
        console.print("No credential: anyone on this machine can use the server (a local "
                      "demo)" if auth is None else "Basic authentication and CSRF protection "
                      "are on: sign in to the UI with the server's credential; workers and "
                      "the command line use PREFECT_API_AUTH_STRING", soft_wrap=True)
        while all(p.poll() is None for p in processes):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        servers.withdraw()
        for process in reversed(processes):
            server.stop(process)


def _server_takes_us(server: Server | None = None, authority: str = "", return_id: str = "",
                     period: str = "") -> None:
    """Where PREFECT_API_URL names a server (not one `servers.for_runs` chose: the command's
    own, or `ops serve`'s, already checked), refuse (and keep the refusal) unless it takes
    this process's credential: before a run starts, not as a traceback in its middle."""
    import os

    from statreturns.app import ops as server_ops

    api_url = os.environ.get("PREFECT_API_URL", "")
    if not api_url or (server and server.api_url is not None):
        return
    try:
        server_ops.check_access(api_url)
    except server_ops.ServerRefused as exc:
        from statreturns.refusals import keep_refusal

        keep_refusal("connect", str(exc), authority=authority, return_id=return_id,
                     period=period)
        refuse(str(exc))


RUNS_FLOWS = {"run", "rerun", "backfill", "demo", "ops"}
"""The commands that run Prefect flows or talk to a server: the others never load Prefect."""


@app.callback()
def _main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option(
        "--verbose", help="Also show Prefect's and Great Expectations' log records (they "
        "are always in the run's log, in the Prefect UI)")] = False,
) -> None:
    """Check settings that every command relies on; keep the terminal for the officer."""
    if ctx.invoked_subcommand in RUNS_FLOWS:
        from statreturns.app import quiet

        quiet.configure(verbose)
    try:
        authorities.default()
    except ValueError as exc:
        refuse(str(exc))


if __name__ == "__main__":
    app()
