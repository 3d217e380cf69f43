"""People: schools, users, declared conflicts (their imports) and accounts (passwords, API
tokens, login throttling). May import domain, imports, models, db and services.audit.
"""
