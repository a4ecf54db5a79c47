"""The shared skeleton: runs any declared return, stage by stage, and records it.

open -> collect -> validate sources -> assemble -> validate return -> render -> record
-> publish. Errors in the data end the run as *blocked* (recorded, published, no outputs);
anything unexpected ends it as *failed* (recorded, then re-raised for Prefect). A run
whose process dies is marked *crashed* by the next run (see `tasks.recover`).
"""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from prefect import flow, get_run_logger, runtime
from prefect.flows import Flow
from prefect.states import Completed, Failed, State

from statreturns import authorities
from statreturns.approvers import sign_off_rules
from statreturns.arguments import ArgumentRefused, check_text, check_trigger, inbox_file, shown
from statreturns.calendar import period_due
from statreturns.commands import command
from statreturns.declaration import Context, ReturnDeclaration, Source
from statreturns.periods import PeriodType, parse_period
from statreturns.processes import this_process
from statreturns.quality import Check, verdict
from statreturns.settings import get_settings
from statreturns.store.models import Run
from statreturns.summary import RunSummary
from tasks.assemble import assemble
from tasks.changes import quality_changes, table_changes
from tasks.collect import AmbiguousSource, collect, files_in, find_source, inbox_folder
from tasks.inbox import adopt
from tasks.outputs import version_folder
from tasks.publish import publish
from tasks.record import allocate_version, fingerprint, finish_run, let_go, open_run
from tasks.recover import recover_crashed
from tasks.sign_off import latest_decision
from tasks.sign_off_form import await_sign_off
from tasks.submit import submission_of
from tasks.versions import (
    code_version,
    document,
    good_versions,
    made_from_the_same,
    results,
    rules_fingerprint,
)

if TYPE_CHECKING:  # the stages load these when they run
    from prefect.client.schemas.objects import FlowRun

    from tasks.render import OutputTables, Since

EXIT_CODES = {"produced": 0, "unchanged": 0, "blocked": 1, "refused": 2, "failed": 3,
              "held": 4}
"""A run's exit code on the command line, by its outcome: ``held`` is a run refused because
of the period's latest version (signed off: only a rerun with a reason replaces it)."""


class RunFailed(RuntimeError):
    """A run that met something unexpected; says only what kind and at which stage."""


class RunRefused(ValueError):
    """Arguments refused before anything runs: no data is read and no version is made."""


class RunHeld(RunRefused):
    """A run refused because of the period's latest version, which is signed off."""


class RunBlocked(Exception):
    """A run blocked by its data: what its flow run's failed state (named Blocked) holds,
    with the run's summary."""

    def __init__(self, summary: RunSummary):
        super().__init__(summary.message)
        self.summary = summary


class _Expected(logging.Filter):
    """Prefect's engine logs every run that ends failed as an unexpected exception, with
    its traceback; a blocked or refused run is expected, and its own warning says why."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not isinstance(record.exc_info and record.exc_info[1], RunBlocked | RunRefused)


logging.getLogger("prefect.flow_runs").addFilter(_Expected())


def prepare(declaration: ReturnDeclaration, period: str, authority: str,
            trigger: str = "manual", reason: str = "", provisional: bool = False,
            today: date | None = None) -> Context:
    """Check the arguments and load the authority's settings, or raise RunRefused. A period
    that has not ended is refused unless the run is `provisional`."""
    try:
        check_text("the period", period, 40)
        parsed = parse_period(period)
        authorities.check_slug("authority", authority)
        check_trigger(trigger)
        check_text("the reason", reason, lines=True)
        config = authorities.load_config(declaration, authority)
        sign_off_rules(authority, declaration.id)  # who may approve: checked up front
    except ValueError as exc:
        raise RunRefused(str(exc)) from None
    if parsed.type not in declaration.period_types:
        accepted = ", ".join(t.value for t in declaration.period_types)
        raise RunRefused(f"{declaration.id} is not made for a {parsed.type.value} period; "
                         f"it accepts: {accepted}")
    ended = parsed.end < (today or date.today())
    if not ended and not provisional:
        raise RunRefused(f"{parsed} has not ended (its last day is {parsed.end:%d %B %Y}): "
                         "run it once it has, or give --provisional for figures marked "
                         "provisional on every output")
    return Context(authority=authority, period=parsed, config=config,
                   suppression_threshold=get_settings().suppression_threshold,
                   provisional=not ended)


def signed_off_state(version: Run) -> str | None:
    """How a version was signed off, in words ("was approved by ... on ..."), or None."""
    if sent := submission_of(version):
        return f"was submitted on {sent.delivered_at:%d %B %Y}"
    decision = latest_decision(version)
    if decision is not None and decision.decision == "approved":
        return f"was approved by {decision.approver} on {decision.at:%d %B %Y}"
    return None


def signed_off(declaration: ReturnDeclaration, ctx: Context, trigger: str,
               reason: str) -> int | None:
    """The period's latest version if it is approved or submitted (a new version would be
    its resubmission), else None. Only a rerun, with its reason, may make one: any other
    run raises RunHeld."""
    made = good_versions(ctx.authority, declaration.id, str(ctx.period))
    if not made or (state := signed_off_state(made[-1])) is None:
        return None
    if trigger != "rerun" or not reason.strip():
        raise RunHeld(
            f"version {made[-1].version} of {declaration.id} {ctx.period} {state}: a new "
            "version would replace it. Make one only as a resubmission, saying why: "
            + command("rerun", declaration.id, ctx.period, ctx.authority))
    return made[-1].version


def source_paths(declaration: ReturnDeclaration, ctx: Context,
                 inputs: list[str] | None) -> dict[str, list[Path]]:
    """Each source's files: named in `inputs` (``name=path``, or a path whose file name
    starts with the source's name, or the only source's path; a folder stands for the
    files in it), else found in the inbox. Every file named must lie in the authority's
    inbox; a relative path is relative to the period's inbox folder."""
    inbox = get_settings().inbox
    folder = inbox_folder(inbox, declaration.id, ctx)
    paths = {s.name: _found(folder, s) for s in declaration.sources}
    given: dict[str, list[Path]] = {}
    for item in inputs or []:
        name, sep, path = item.partition("=")
        if not sep:
            path = item
            matches = [s.name for s in declaration.sources if Path(item).name.startswith(s.name)]
            if len(declaration.sources) == 1:
                matches = [declaration.sources[0].name]
            if len(matches) != 1:
                raise RunRefused(f"cannot tell which source {shown(item)} is: write "
                                 f"SOURCE=FILE with SOURCE one of {', '.join(paths)}")
            name = matches[0]
        if name not in paths:
            raise RunRefused(f"{declaration.id} has no source {shown(name)}; "
                             f"its sources are {', '.join(paths)}")
        try:
            given.setdefault(name, []).append(inbox_file(path, inbox / ctx.authority, folder))
        except ArgumentRefused as exc:
            raise RunRefused(str(exc)) from None
    for source in declaration.sources:
        files = given.get(source.name, [])
        if len(files) == 1 and files[0].is_dir():
            files = files_in(files[0]) if source.many else _found(files[0], source)
        if len(files) > 1 and not source.many:
            raise RunRefused(f"{source.name} is one file; {len(files)} were given")
        if files:
            paths[source.name] = files
    return paths


def _found(folder: Path, source: Source) -> list[Path]:
    try:
        return find_source(folder, source)
    except AmbiguousSource as exc:
        raise RunRefused(str(exc)) from None


def checked(declaration: ReturnDeclaration, period: str, authority: str,
            inputs: list[str] | None = None, trigger: str = "manual", reason: str = "",
            provisional: bool = False) -> tuple[Context, dict[str, list[Path]], int | None]:
    """Everything a run checks before it reads a file: its context, each source's files and
    the signed-off version it would replace; or RunRefused (RunHeld) saying why not."""
    ctx = prepare(declaration, period, authority, trigger, reason, provisional)
    paths = source_paths(declaration, ctx, inputs)
    return ctx, paths, signed_off(declaration, ctx, trigger, reason)


def run_return(declaration: ReturnDeclaration, period: str, authority: str,
               inputs: list[str] | None = None, trigger: str = "manual", reason: str = "",
               force: bool = False, sign_off: bool = False,
               provisional: bool = False) -> RunSummary:
    """Run one return for one authority and period; returns the run's summary.

    A run made from the same inputs, rules and code as the last good version makes no new
    version unless `force`. With `sign_off` (and a return that declares it), the flow
    pauses after rendering for the sign-off form in the Prefect UI. Files given in `inputs`
    become the period's current sources in the inbox (`tasks.inbox`).
    """
    with one_at_a_time(declaration.id, authority):
        try:
            ctx, paths, resubmits = checked(declaration, period, authority, inputs, trigger,
                                            reason, provisional)
        except RunRefused as exc:  # e.g. a deployment started with bad parameters: on record
            run_id = open_run(declaration.id, _recordable(authority), _recordable(period),
                              _recordable(trigger), "")
            finish_run(run_id, status="refused", verdict=None, message=str(exc)[:600])
            raise
        recover_crashed()
        run_id = open_run(declaration.id, authority, str(ctx.period), trigger, reason,
                          process=this_process())
        summary = RunSummary(return_id=declaration.id, title=declaration.title,
                             authority=authority, period=str(ctx.period), trigger=trigger,
                             run_id=run_id)
        try:
            ended = _run(declaration, ctx, summary, paths, force, resubmits, inputs)
        finally:
            let_go(run_id)
    return _signed_off(declaration, ended) if declaration.sign_off and sign_off else ended


def _flow_run() -> FlowRun | None:
    """The flow run this code runs in, as the engine holds it (`prefect.runtime.deployment`
    asks the server for it again on each question)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return context.flow_run if context else None


def load_stages() -> None:
    """Load what the validation and render stages use (Great Expectations, ReportLab,
    gptables: about 3 s). A run loads them only once its inputs turn out changed; a
    command that waits for its server to start loads them meanwhile."""
    import tasks.render  # noqa: F401
    import tasks.validate  # noqa: F401


ONE_AT_A_TIME = "statreturns-{}-{}"
"""The global concurrency limit (of 1) that an authority's deployment runs of a return take
turns on."""


@contextmanager
def one_at_a_time(return_id: str, authority: str):
    """An authority's runs of a return started from its deployment take turns: a second
    waits for the first up to its sign-off (a run paused for sign-off holds no slot, so that
    the pause may last days). Other authorities' runs of the return do not wait: they share
    no inbox, version or output. Runs from the command line do not wait, nor does a run
    whose authority is not a name (it is refused at once)."""
    flow_run = _flow_run()
    if not (flow_run and flow_run.deployment_id) or not authorities.SLUG.fullmatch(
            authority or ""):
        yield
        return
    from prefect.client.orchestration import get_client
    from prefect.concurrency.sync import concurrency

    name = ONE_AT_A_TIME.format(return_id, authority)
    with get_client(sync_client=True) as client:
        client.upsert_global_concurrency_limit_by_name(name, 1)
    with concurrency(name, occupy=1, strict=True):
        yield


def _signed_off(declaration: ReturnDeclaration, ended: RunSummary | State):
    """Pause for the sign-off form of the version the run made, or of the version an
    unchanged run found still awaiting a decision."""
    summary = ended if isinstance(ended, RunSummary) else ended.data
    if isinstance(ended, State):
        made = good_versions(summary.authority, summary.return_id, summary.period) \
            if isinstance(summary, RunSummary) and summary.status == "unchanged" else []
        if not made or made[-1].version != summary.version or latest_decision(made[-1]):
            return ended
        summary = replace(summary, run_id=made[-1].id)
    try:
        summary = await_sign_off(summary, declaration.recipient)
    except Exception as exc:  # the version stands: only the kind of trouble is told
        raise RunFailed(f"{type(exc).__name__} while signing off") from None
    if summary.sign_off == "awaiting approval":
        return summary
    said = f"{summary.sign_off} by {summary.approver}"
    get_run_logger().info("version %s %s; next: %s", summary.version, said, command(
        "submit" if summary.sign_off == "approved" else "rerun", summary.return_id,
        summary.period, summary.authority))
    return Completed(name=summary.sign_off.capitalize(), message=said, data=summary)


def _run(declaration: ReturnDeclaration, ctx: Context, summary: RunSummary,
         paths: dict[str, list[Path]], force: bool, resubmits: int | None,
         inputs: list[str] | None):
    """The stages of a run whose arguments were accepted and whose row is open."""
    settings, logger, authority = get_settings(), get_run_logger(), ctx.authority
    run_id = summary.run_id
    collected, checks = [], []
    stage, final = "collecting", None
    try:
        folder = inbox_folder(settings.inbox, declaration.id, ctx)
        replaced: dict[Path, str] = {}
        if inputs:
            for source in declaration.sources:
                files = paths[source.name]
                if files != _found(folder, source) and files and all(
                        p.is_file() and not p.is_symlink() for p in files):
                    paths[source.name], put = adopt(source, files, folder, settings.archive)
                    replaced |= put
        gathered = [collect(source, paths[source.name], settings.archive, ctx,
                            folder=folder / source.name, within=settings.inbox / authority)
                    for source in declaration.sources]
        for got in gathered:
            collected += got.files
            checks += got.checks
            for c in got.files:
                if c.path in replaced:
                    c.notes.insert(0, replaced[c.path])
                read = "not read" if c.rows is None else f"{c.rows} rows"
                logger.info("%s: %s; %s", c.path.name, read,
                            "; ".join(c.notes + [k.message for k in c.checks if not k.success])
                            or "ok")
        summary = replace(summary, replaced=tuple(replaced.values()))
        made_from = (fingerprint([c.sha256 for c in collected]),
                     rules_fingerprint(declaration.id, authority, ctx.suppression_threshold),
                     code_version())
        earlier = good_versions(authority, declaration.id, str(ctx.period))
        if earlier and not force and made_from_the_same(earlier[-1], *made_from) \
                and earlier[-1].provisional == ctx.provisional:
            return _unchanged(summary, earlier[-1], collected, made_from)
        from tasks.render import output_tables, render  # loaded by the stages (load_stages)
        from tasks.validate import validate_return, validate_source

        for got in gathered:
            if got.frame is not None:
                checks += validate_source(declaration.id, got, ctx)
        frames = {got.source.name: got.frame for got in gathered}
        tables = None
        if verdict(checks) != "blocked":
            stage = "assembling"
            tables = assemble(declaration, frames, ctx)
            checks += validate_return(declaration, tables, ctx)
        if verdict(checks) != "blocked":  # what each audience is shown, and its audit
            shown = output_tables(declaration, tables, ctx.suppression_threshold)
            checks += shown.audit
        summary = replace(summary, verdict=verdict(checks))
        if summary.verdict == "blocked":
            return _blocked(summary, collected, checks)

        stage = "rendering"
        version = allocate_version(run_id)
        since = what_changed(declaration, shown, checks, earlier)
        final = version_folder(settings.outputs, authority, declaration.id, ctx.period, version)
        rendered = render(declaration, ctx, tables, checks, collected,
                          authority_name=authorities.name(authority), version=version,
                          verdict=summary.verdict, final=final, since=since, shown=shown,
                          resubmits=resubmits)
        summary = replace(summary, status="produced", version=version,
                          outputs_dir=str(rendered.folder), resubmits=resubmits,
                          provisional=ctx.provisional,
                          changed_cells=len(since.cells) if since else None)
        finish_run(run_id, status="produced", verdict=summary.verdict, collected=collected,
                   checks=checks, outputs=rendered.files, outputs_dir=rendered.folder,
                   made_from=made_from, since=since, provisional=ctx.provisional,
                   resubmits=resubmits)
        stage = "publishing"  # from here the version stands, whatever happens next
        publish(summary, checks, since)
        logger.info("produced version %s in %s", version, rendered.folder)
        return summary
    except Exception as exc:
        # The exception's text may quote the data: the store, the flow run's state and its
        # alerts get only its kind and stage. A version whose outputs never reached their
        # folder is given back; one already recorded as produced stays produced.
        message = f"{type(exc).__name__} while {stage}"
        if summary.status != "produced":
            finish_run(run_id, status="failed", verdict=None, message=message,
                       collected=collected, checks=checks,
                       keep_version=final is not None and final.exists())
        raise RunFailed(message) from None


def outcome(state: State) -> RunSummary:
    """The summary a run's final state carries, a blocked run's included; the run's
    RunRefused or RunFailed where it had one."""
    summary = state.data if state.is_failed() else state.result(raise_on_failure=False)
    summary = getattr(summary, "result", summary)  # a result record holds it
    if isinstance(summary, RunBlocked):
        return summary.summary
    if isinstance(summary, RunSummary):
        return summary
    if isinstance(summary, RunRefused | RunFailed):
        raise summary
    raise RunFailed(state.message or "the run failed")


def what_changed(declaration: ReturnDeclaration, shown: OutputTables, checks: list[Check],
                 earlier: list) -> Since | None:
    """Cell by cell and rule by rule, what differs from the latest earlier version."""
    from tasks.render import Since

    if not earlier:
        return None
    previous = earlier[-1]
    cells = table_changes(document(previous)["tables"], shown.document, declaration.row_keys)
    quality = quality_changes(results(previous.id), [c.as_dict() for c in checks])
    return Since(previous.version, cells, quality)


def _unchanged(summary: RunSummary, same, collected: list, made_from: tuple):
    message = (f"Inputs, rules and code are those of version {same.version}: no new version "
               "was made (rerun with force to make one).")
    summary = replace(summary, status="unchanged", verdict=same.verdict, version=same.version,
                      outputs_dir=same.outputs_dir, message=message)
    finish_run(summary.run_id, status="unchanged", verdict=same.verdict, message=message,
               collected=collected, made_from=made_from, same_as_version=same.version,
               outputs_dir=Path(same.outputs_dir))
    get_run_logger().info(message)
    return Completed(name="Unchanged", message=message, data=summary)


def _blocked(summary: RunSummary, collected: list, checks: list[Check]):
    errors = [c for c in checks if not c.success and c.severity == "error"]
    message = f"Blocked by {len(errors)} data-quality error(s): " + "; ".join(
        f"{c.code} {c.message}" + (f" ({c.location})" if c.location else "")
        for c in errors[:3])
    summary = replace(summary, status="blocked", message=message)
    finish_run(summary.run_id, status="blocked", verdict="blocked", message=message,
               collected=collected, checks=checks)
    publish(summary, checks)
    get_run_logger().warning(message)
    # Not a success: the UI shows it as failed, named Blocked (its own alert, not a failure's).
    return Failed(name="Blocked", message=message, data=RunBlocked(summary))


def _recordable(value: object) -> str:
    """An argument as a refused run's record may keep it: safe and short."""
    text = str(value)
    return text if len(text) <= 40 and text.isprintable() else shown(text, 30)


def _run_name() -> str:
    parameters = runtime.flow_run.parameters
    return " ".join(_recordable(v) for v in (parameters.get("authority") or _authority(),
                                            parameters.get("period") or "period due"))


def _authority() -> str:
    try:
        return authorities.default()
    except ValueError:
        return "(unset)"


def how_started() -> str:
    """``schedule`` for a run the Prefect scheduler made from a deployment's schedule,
    ``manual`` for one started by hand (from the UI, `prefect deployment run` or a call)."""
    flow_run = _flow_run()
    return "schedule" if flow_run and flow_run.deployment_id and flow_run.auto_scheduled \
        else "manual"


EXAMPLES = {PeriodType.MONTH: "2026-10 (month)", PeriodType.QUARTER: "2026-Q2 (quarter)",
            PeriodType.FINANCIAL_YEAR: "2025/26 (financial year)",
            PeriodType.ROLLING_12: "R12-2026-10 (rolling 12 months)"}
PARAMETERS = """Args:
    period: The period, e.g. {examples}. Blank: the period the calendar has due.
    authority: Blank: the worker's (STATRETURNS_AUTHORITY, else the one configured).
    inputs: Corrected files in the authority's inbox (SOURCE=FILE); they become the
        period's current sources. Blank: the files in the inbox.
    trigger: Leave blank: recorded as manual (schedule for the deployment's schedule;
        deadline, rerun and backfill are set by the sweep and the command line).
    reason: Why this run (a rerun's correction).
    force: Make a new version even when inputs, rules and code are unchanged.
    sign_off: Pause for the sign-off form once the version is made.
    provisional: Run a period that has not ended; every output is marked provisional."""
"""The flow's parameters as the Prefect UI's run form describes them."""


def return_flow(declaration: ReturnDeclaration) -> Flow:
    """The Prefect flow of a declared return, named by its id. The authority defaults to
    `authorities.default` where the flow runs; the trigger to how the run was started."""

    def run(period: str = "", authority: str = "", inputs: list[str] | None = None,
            trigger: str = "", reason: str = "", force: bool = False, sign_off: bool = False,
            provisional: bool = False) -> RunSummary:
        period = period or str(period_due(declaration, date.today()))  # the one due
        try:
            return run_return(declaration, period, authority or _authority(), inputs,
                              trigger or how_started(), reason, force, sign_off, provisional)
        except RunRefused as exc:  # on record as refused: not a failure, and said so
            return Failed(name="Refused", message=str(exc), data=exc)

    run.__name__ = declaration.id.replace("-", "_")
    examples = ", ".join(EXAMPLES[t] for t in declaration.period_types)
    run.__doc__ = f"{declaration.title}: {declaration.description}\n\n" + \
        PARAMETERS.format(examples=examples)
    return flow(run, name=declaration.id, flow_run_name=_run_name,
                description=declaration.title, persist_result=False, validate_parameters=True)


def run_from_command_line(declaration: ReturnDeclaration) -> None:
    """``python flows/<return>.py PERIOD [AUTHORITY]``: run from the inbox, say how it went
    and exit with the command line's code. Arguments are checked before the flow starts."""
    if len(sys.argv) < 2:
        sys.exit(f"usage: python {sys.argv[0]} PERIOD [AUTHORITY]")
    period, authority = (sys.argv[1:] + [_authority()])[:2]
    try:
        checked(declaration, period, authority)
    except RunRefused as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        sys.exit(EXIT_CODES["held" if isinstance(exc, RunHeld) else "refused"])
    try:
        summary = outcome(return_flow(declaration)(period=period, authority=authority,
                                                  return_state=True))
    except RunFailed as exc:
        print(f"Failed: {exc}", file=sys.stderr)
        sys.exit(EXIT_CODES["failed"])
    print(f"{summary.status}: {summary.outputs_dir or summary.message}")
    sys.exit(EXIT_CODES[summary.status])
