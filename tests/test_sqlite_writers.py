"""SQLite writers wait for each other in the kernel (a file lock), and a thread that would
wait for itself is told so at once instead of hanging."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from crosscheck.db import make_engine
from crosscheck.sqlite_writers import WriteQueueDeadlock


@pytest.fixture
def engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    with eng.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield eng
    eng.dispose()


def test_a_second_writer_waits_until_the_first_commits(engine, tmp_path):
    assert (tmp_path / "w.sqlite3-writers.lock").exists()
    first = engine.connect()
    first.execute(text("INSERT INTO t VALUES (1)"))  # holds the writers' lock until commit
    done = threading.Event()

    def second():
        with engine.connect() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
            conn.commit()
        done.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not done.wait(0.3)  # queued behind the first writer
    reads = engine.connect()
    assert reads.execute(text("SELECT count(*) FROM t")).scalar() == 0  # reads never wait
    reads.close()
    first.commit()
    assert done.wait(5)
    thread.join()
    first.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_one_thread_writing_through_two_connections_fails_at_once(engine):
    first = engine.connect()
    first.execute(text("INSERT INTO t VALUES (1)"))
    second = engine.connect()
    with pytest.raises(Exception) as caught:
        second.execute(text("INSERT INTO t VALUES (2)"))
    assert isinstance(caught.value.orig, WriteQueueDeadlock)
    second.close()
    first.rollback()
    first.close()
    with engine.connect() as conn:  # a rollback gave the lock back
        conn.execute(text("INSERT INTO t VALUES (3)"))
        conn.commit()
        assert conn.execute(text("SELECT n FROM t")).scalars().all() == [3]
