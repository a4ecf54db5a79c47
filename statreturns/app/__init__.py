"""The application shell: the command line, ops, alerts and the prefect.yaml writer.

It sits above flows/: it may import the core package, tasks/ and flows/; nothing below
imports it.
"""
