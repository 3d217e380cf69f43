"""Scans in (SPEC §3): uploads and batch jobs' glue to scanner_import, the unidentified-page queue,
cover sheets, stored pages and their screen renders. May import scanner_import, domain, models,
db, background, services.audit and services.campaigns.
"""
