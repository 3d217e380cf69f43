"""Use cases: load from the database, call the domain, write back. Services flush; the
request, CLI command or job that called them commits (one transaction boundary).

One package per area, each saying in its docstring what it holds and may import:
audit, people, campaigns, marks, scans, distribution, marking, reports, ops. Areas import
only those below them (tests/test_layers.py); none imports web/, jobs/ or cli/ —
background work is asked for through ``crosscheck.background``.
"""
