"""The schools' original marks: the results-form importer (SPEC §2) that creates papers with
their ciphers. May import domain, imports, models, db and services.audit.
"""
