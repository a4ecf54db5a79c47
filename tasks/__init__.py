"""The stages of a run, as Prefect tasks. Generic: no return is named here."""
