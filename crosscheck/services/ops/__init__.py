"""Operations: backup and restore of the database together with the data directory.
May import nothing else of crosscheck's: it reads the database through its own tools."""
