"""Screening and sampling (SPEC §8): which schools' original marks look non-objective, from the
schools' own marks before any re-marking (``screen.py``), and the sample of papers to re-check
(``sample.py``). May import domain, models, db, services.marking (schemes), services.reports
(the loader's score packing) and services.audit (the trail); no area below imports it.
"""
