"""crosscheck: cross-checking of VPR papers.

The package import stays light on purpose: ``crosscheck.domain`` must be usable
without Flask or SQLAlchemy, so the app factory imports the web stack lazily.
"""


def create_app(config=None):
    from .app import build_app

    return build_app(config)
