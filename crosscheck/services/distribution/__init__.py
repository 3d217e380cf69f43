"""Distribution of work (SPEC §5): the conflict gate's inputs from the database, the assignment
runs and manual moves, who gets a third check, the gate re-run over live work after a change of
people (``regate``), the campaign console's read models. May import domain, models, db,
bulk and services.audit.
"""
