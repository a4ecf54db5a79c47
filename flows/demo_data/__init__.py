"""Deterministic demo data, one module per return, named as the return's flow module."""
