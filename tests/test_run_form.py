"""What a deployment's run form in the Prefect UI says of each parameter, and what the run
log keeps of a run that ends blocked or refused."""

import logging

from flows import registry
from flows.skeleton import RunBlocked, RunHeld
from statreturns.summary import RunSummary


def described(return_id: str) -> dict[str, str]:
    schema = registry.flow_of(return_id).parameters.model_dump()
    return {name: field.get("description", "") for name, field in schema["properties"].items()}


def test_each_parameter_is_described_with_the_periods_the_return_takes():
    pspo, savings = described("pspo-breaches"), described("savings-tracker")
    assert set(pspo) == {"period", "authority", "inputs", "trigger", "reason", "force",
                         "sign_off", "provisional"}
    assert all(pspo.values()), pspo
    assert "R12-2026-10 (rolling 12 months)" in pspo["period"]
    assert "2026-10 (month)" in savings["period"] and "R12" not in savings["period"]
    assert "STATRETURNS_AUTHORITY" in pspo["authority"]


def test_a_blocked_or_refused_run_is_not_logged_as_an_unexpected_exception():
    logger = logging.getLogger("prefect.flow_runs")
    summary = RunSummary("pspo-breaches", "PSPO breach counts", "demo", "2026-Q1", "manual", 1,
                         message="Blocked by 1 data-quality error(s)")

    def record(exc: BaseException) -> logging.LogRecord:
        return logger.makeRecord(logger.name, logging.ERROR, __file__, 1,
                                 "Engine execution exited with unexpected exception", (),
                                 (type(exc), exc, None))

    assert not logger.filter(record(RunBlocked(summary)))
    assert not logger.filter(record(RunHeld("version 2 was submitted")))
    assert logger.filter(record(ValueError("something unexpected")))
