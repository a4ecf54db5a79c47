"""statreturns: recurring statutory returns as Prefect flows."""

import os
from pathlib import Path

# Set before Prefect or Great Expectations is imported. Telemetry off: with no internet the
# attempts only cost seconds. The temporary Prefect server a command starts for itself may
# take more than Prefect's 20 s on a machine's first run (a new database, nothing cached).
for _name, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}.items():
    os.environ.setdefault(_name, _value)

# Prefect keeps its local database and settings with the product's own, not in ~/.prefect.
# A shared server is chosen with PREFECT_API_URL, which this does not touch.
if "PREFECT_HOME" not in os.environ:
    _home = Path(os.environ.get("STATRETURNS_HOME", Path(__file__).resolve().parents[1]))
    os.environ["PREFECT_HOME"] = str(_home / "var" / "prefect")
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)

__version__ = "0.1.0"
