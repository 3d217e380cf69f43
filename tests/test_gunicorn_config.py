"""The production gunicorn config (deploy/gunicorn.conf.py) keeps a worker responsive."""
from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "gunicorn.conf.py"


def test_a_ready_worker_freezes_its_start_up_heap_so_full_collections_stay_short():
    config = runpy.run_path(str(CONFIG))
    assert config["worker_class"] == "gthread"
    before = gc.get_freeze_count()
    try:
        config["post_worker_init"](worker=None)
        # Everything alive at start-up (this test process: pytest, SQLAlchemy, Flask...) is
        # now out of the collector's walk.
        assert gc.get_freeze_count() > before + 10_000
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
