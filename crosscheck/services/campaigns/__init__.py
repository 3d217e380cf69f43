"""Campaigns: created from paper templates (store.py), templates drafted from a results form
(drafts.py) with the conversion scales shipped and imported (scales.py: a file in the data
directory), the «Новая кампания» wizard (wizard.py) and the settings page's locked edits
(settings.py), and the read models that list them with their progress (home pages, the
organiser's per-school page). May import domain, models, db, config, imports (the tabular
reader) and services.audit.
"""
