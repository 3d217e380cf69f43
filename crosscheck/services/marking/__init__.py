"""Marking (SPEC §6, §7): experts' and reviewers' drafts and submissions, what they are shown of an
assignment, the paper's outcome (done or a third check) and the discrepancy engine's view of
stored marks. May import domain, models, db, services.audit, services.distribution (the gate)
and services.scans (pages).
"""
