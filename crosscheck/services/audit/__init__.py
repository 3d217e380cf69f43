"""The audit trail: recording events (append-only: nothing here updates or deletes) and reading
them back with filters. May import models and db; imported by every other area.
"""
