"""The run store: every run, its sources, data-quality results and outputs."""
