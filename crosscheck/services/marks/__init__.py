"""The schools' original marks: the results-form importer (SPEC §2) that creates papers with
their ciphers. May import domain, imports, models, db, services.audit and services.distribution
(a re-import that changes a paper's original marker re-runs the gate over its live work).
"""
