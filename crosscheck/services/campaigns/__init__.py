"""Campaigns: created from paper templates (store.py), and the read models that list them with
their progress (home pages, the organiser's per-school page). May import domain, models, db
and services.audit.
"""
