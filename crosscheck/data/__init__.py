"""Data shipped with crosscheck (package data, read with importlib.resources).

``scales.csv``: VPR conversion scales (primary score → grade), copied from the rows of the
shared research file ``vpr/scales.csv`` whose status is ``found``; each row keeps its year
and its source. Read by :mod:`crosscheck.domain.scales`.

``task_lists.csv``: VPR task lists (label and maximum of every task) by subject, grade and
year, the complete lists of the shared research file ``vpr/task_max_scores.csv`` (status
``found`` or ``inferred``; a list with a gap is left out), each row with its source. Read by
:mod:`crosscheck.domain.library` for the «Новая кампания» wizard.
"""
