"""Reports and analytics (SPEC §7): the campaign loader, JSON, XLSX, PDF protocols, charts, report
runs and files, and the analytics pages' read models. May import domain, models, db,
background, scanner_import (fonts) and services.marking (schemes).
"""
