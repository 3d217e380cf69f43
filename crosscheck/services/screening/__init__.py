"""Screening and sampling (SPEC §8): which schools' original marks look non-objective, from the
schools' own marks before any re-marking (``screen.py``). May import domain, models, db,
services.marking (schemes) and services.reports (the loader's score packing).
"""
