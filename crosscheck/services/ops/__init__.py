"""Operations: backup and restore of the database with the data directory, consistent with each
other. May import config and db (it reads the database through its own tools).
"""
