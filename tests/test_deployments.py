"""prefect.yaml: one deployment per declared return, pointing at its flow."""

from datetime import datetime, timedelta
from pathlib import Path

import yaml

from flows import registry

ROOT = Path(__file__).resolve().parents[1]


def deployments() -> dict[str, dict]:
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    return {d["name"]: d for d in config["deployments"]}


def test_prefect_yaml_is_what_the_returns_and_the_calendar_say():
    from statreturns.app.prefect_yaml import PATH, render

    assert PATH.read_text() == render(), (
        "prefect.yaml disagrees with the calendar: run `statreturns ops deployments`")


def test_every_declared_return_has_one_deployment_besides_the_sweep():
    assert sorted(deployments()) == sorted([*registry.declarations(), "deadline-sweep"])


def test_each_return_is_scheduled_on_the_planned_days_of_its_calendar():
    import dateutil.rrule

    from statreturns import calendar

    start = calendar.first_day()
    pspo = deployments()["pspo-breaches"]["schedules"]
    assert [s["timezone"] for s in pspo] == ["Europe/London"]
    days = list(dateutil.rrule.rrulestr(pspo[0]["rrule"], forceset=True))
    due = calendar.due_between(registry.declarations(), start, start + timedelta(days=730))
    planned = [d.planned for d in due if d.return_id == "pspo-breaches"]
    assert [d.date() for d in days] == planned
    assert {(d.hour, d.minute) for d in days} == {(7, 0)}
    assert days[:3] == [datetime(2026, 11, 6, 7), datetime(2026, 12, 7, 7),
                        datetime(2027, 1, 8, 7)]
    assert deployments()["deadline-sweep"]["schedules"] == [
        {"cron": "0 8 * * *", "timezone": "Europe/London"}]


def test_each_deployment_runs_its_returns_flow_taking_turns_without_a_deployment_slot():
    """A deployment's own concurrency slot would end a run paused for sign-off after five
    minutes: a return's runs take turns on a global limit instead (`one_at_a_time`)."""
    for rid, deployment in deployments().items():
        if rid == "deadline-sweep":
            continue
        path, _, name = deployment["entrypoint"].partition(":")
        module = registry.get(rid)
        assert Path(module.__file__) == ROOT / path, rid
        assert getattr(module, name) is registry.flow_of(rid), rid
        assert getattr(module, name).name == rid
        assert deployment["work_pool"]["name"] == "statreturns"
        assert "concurrency_limit" not in deployment, rid
        assert f"return:{rid}" in deployment["tags"]
