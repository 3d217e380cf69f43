"""Use cases: load from the database, call the domain, write back. Services flush; the
request, CLI command or job that called them commits (one transaction boundary)."""
