"""The bad-input corpus: its cases (cases.toml), the inputs kept as files (files/), and the
makers of the inputs made at test time (make.py)."""
