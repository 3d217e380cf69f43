"""People: schools, users, declared conflicts (their imports) and accounts (passwords, API
tokens, login throttling). May import domain, imports, models, db, services.audit and
services.distribution (a changed person's live work goes through the gate again: ``regate``).
"""
