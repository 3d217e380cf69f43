"""Data shipped with crosscheck (package data, read with importlib.resources).

``scales.csv``: VPR conversion scales (primary score → grade), copied from the rows of the
shared research file ``vpr/scales.csv`` whose status is ``found``; each row keeps its year
and its source. Read by :mod:`crosscheck.domain.scales`.
"""
