"""prefect.yaml, written from the declarations and the statutory calendar.

Each return's deployment is scheduled on the planned run days of its calendar (working
days in England, so a cron expression cannot say them), two years from the calendar's
first day, at 07:00 London time; the deadline sweep runs every day at 08:00, after them,
and starts only what they have not. No deployment names an authority: each run's is the
worker's (`STATRETURNS_AUTHORITY`, see `statreturns.authorities.default`), and a run knows
from Prefect whether its schedule or a person started it.
`statreturns ops deployments` rewrites the file; a test fails when the two disagree.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

from flows import registry
from statreturns import calendar
from statreturns.settings import PROJECT_ROOT

PATH = PROJECT_ROOT / "prefect.yaml"
POOL = "statreturns"
TIMEZONE = "Europe/London"
RUN_AT, SWEEP_CRON = "T070000", "0 8 * * *"  # the sweep comes after the day's runs
HORIZON = timedelta(days=730)

HEADER = """\
# Deployments of statreturns on the `statreturns` process work pool. Written by
# `statreturns ops deployments` from the returns and deployments/calendar.toml: edit
# those, not this file. `prefect deploy --all` from this folder registers them with the
# Prefect server named by PREFECT_API_URL; workers start in this folder (the checkout).
name: statreturns
prefect-version: 3.8.8

deployments:
"""


def team(owner: str) -> str:
    """'Community Safety Team (Prevent)' -> 'community-safety-team'."""
    return re.sub(r"[^a-z0-9]+", "-", owner.split("(")[0].lower()).strip("-")


def planned_days(return_id: str) -> list[str]:
    start = calendar.first_day()
    due = calendar.due_between(registry.declarations(), start, start + HORIZON)
    return [d.planned.strftime("%Y%m%d") for d in due if d.return_id == return_id]


def _rrule(days: list[str]) -> str:
    """An iCalendar rule that lists the days themselves."""
    return f"DTSTART:{days[0]}{RUN_AT}\nRDATE:" + ",".join(d + RUN_AT for d in days)


def _deployment(name: str, entrypoint: str, description: str, tags: list[str],
                schedule: list[str], sign_off: bool = False) -> list[str]:
    return [
        f"  - name: {name}",
        f"    entrypoint: {entrypoint}",
        f"    description: {json.dumps(description)}",
        f"    tags: [{', '.join(tags)}]",
        *(["    parameters:", "      sign_off: true"] if sign_off else ["    parameters: {}"]),
        "    work_pool:",
        f"      name: {POOL}",
        # A return's runs take turns on a global limit up to sign-off (a run paused for
        # sign-off must hold no deployment slot: Prefect ends a paused run whose slot's
        # lease it cannot renew); the sweep never pauses.
        *(["    concurrency_limit:", "      limit: 1", "      collision_strategy: ENQUEUE"]
          if name == "deadline-sweep" else []),
        *(["    schedules:", *schedule] if schedule else ["    schedules: []"]),
    ]


def render() -> str:
    lines = []
    for rid, module in registry.modules().items():
        declaration = module.DECLARATION
        flow_name = module.__name__.rsplit(".", 1)[-1]
        days = planned_days(rid)
        schedule = [f"      - rrule: {json.dumps(_rrule(days))}",
                    f"        timezone: {TIMEZONE}"] if days else []
        lines += _deployment(rid, f"flows/{flow_name}.py:{flow_name}",
                             f"{declaration.title}, for {declaration.recipient}",
                             [f"return:{rid}", f"team:{team(declaration.owner)}"],
                             schedule, declaration.sign_off)
    lines += _deployment("deadline-sweep", "flows/deadline_sweep.py:deadline_sweep",
                         "Starts returns as their deadlines near; raises the overdue",
                         ["ops"], [f"      - cron: \"{SWEEP_CRON}\"",
                                   f"        timezone: {TIMEZONE}"])
    return HEADER + "\n".join(lines) + "\n"
