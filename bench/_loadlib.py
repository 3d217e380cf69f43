"""Shared machinery of the load benchmarks (bench/marking_load.py, bench/load_full.py)
and of tests/load: build a marking campaign fast, run gunicorn (and RQ workers) as
production does, simulate experts over keep-alive HTTP connections, and check every
mark the clients saw against the database and its audit trail.

Everything here talks to 127.0.0.1 only, and every loop is bounded in count and time.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import io
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VENV_BIN = Path(sys.executable).parent
PASSWORD = "load-test-2026"
CATEGORIES = ("open", "image", "autosave", "submit", "healthz")
MARKING = ("open", "image", "autosave", "submit")


# --- machine and database ------------------------------------------------------------------

def machine_info() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    free = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "cpu": cpu or platform.processor() or platform.machine(),
            "free": free, "python": platform.python_version(), "loadavg": os.getloadavg(),
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def fresh_database(pg_url: str | None, workdir: Path, name: str = "load") -> str:
    """A SQLite file in workdir, or the given PostgreSQL database emptied (schema dropped)."""
    if not pg_url:
        return f"sqlite:///{workdir / f'{name}-{time.monotonic_ns()}.sqlite3'}"
    from sqlalchemy import text

    from crosscheck.db import make_engine

    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return pg_url


def backend_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the campaign --------------------------------------------------------------------------

@dataclass
class ExpertSpec:
    login: str
    token: str
    assignments: list[int]


@dataclass
class Setup:
    database_url: str
    slug: str
    experts: list[ExpertSpec]
    tasks: list[tuple[str, int]]          # (label, max) in form order
    scan_papers: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # school → [(code, cipher)]


def page_jpegs(size: tuple[int, int] = (1240, 1754), pages: int = 4) -> list[tuple[bytes, bytes]]:
    """(original, masked) JPEG bytes of `pages` realistic A4 scans at 150 dpi."""
    from PIL import ImageDraw

    from scanner_import import synthetic as syn

    out = []
    for n in range(pages):
        img = syn.content_page(9000 + n, size=size)
        original = syn.jpeg(img, 75)
        masked_img = img.copy()
        w, h = size
        ImageDraw.Draw(masked_img).rectangle([int(0.55 * w), int(0.02 * h), int(0.98 * w), int(0.10 * h)], fill=0)
        buf = io.BytesIO()
        masked_img.save(buf, "JPEG", quality=85)
        out.append((original, buf.getvalue()))
    return out


def build_campaign(url: str, data_dir: Path, *, experts: int, per_expert: int, pages: int = 4,
                   scan_schools: int = 0, scan_papers: int = 0, seed: int = 1,
                   slug: str = "load-vpr") -> Setup:
    """Migrate `url` and fill it with Core inserts: schools, experts (with API tokens and one
    shared password hash), a campaign on the demo template, `experts × per_expert` papers with
    original marks, `pages` placed pages each (all rows pointing at one set of real JPEGs in
    the content store) and one recheck assignment each. Optionally papers without pages
    (covers of a scan to import): `scan_papers` spread over `scan_schools` extra schools."""
    from sqlalchemy import insert, select

    from crosscheck.db import Database, utcnow
    from crosscheck.demo import TEMPLATE_FILE
    from crosscheck.migrate import upgrade
    from crosscheck.models import (ApiToken, Assignment, OriginalScore, Page, Paper, School, Subject, User,
                                   user_subjects)
    from crosscheck.services.people.accounts import hash_password
    from crosscheck.services.campaigns.store import create_campaign, load_template_file
    from scanner_import.store import ContentStore

    rng = random.Random(seed)
    upgrade(url)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = ContentStore(data_dir / "pages")
    stored = []
    for original, masked in page_jpegs(pages=pages):
        o = store.put(original)[0]
        m = store.put(masked)[0]
        stored.append((o.sha256, m.sha256))

    db = Database(url)
    s = db.session
    now = utcnow()
    n_schools = max(4, experts // 2)
    s.execute(insert(School), [{"code": f"7{i:05d}", "name": f"Школа {i}", "municipality": f"Округ {i % 6}"}
                               for i in range(n_schools)]
              + [{"code": f"8{j:05d}", "name": f"Школа сканов {j}", "municipality": "Округ сканов"}
                 for j in range(scan_schools)])
    school_ids = list(s.scalars(select(School.id).order_by(School.code)))
    marking_schools, extra_schools = school_ids[:n_schools], school_ids[n_schools:]
    campaign = create_campaign(s, slug, load_template_file(TEMPLATE_FILE), "Нагрузочный тест", per_paper=1)
    subject_id = s.scalar(select(Subject.id).where(Subject.name == "Математика"))
    tasks = [(t.label, t.max_score) for t in campaign.template.tasks]
    task_rows = [(t.id, t.max_score) for t in campaign.template.tasks]
    pw_hash = hash_password(PASSWORD)
    s.execute(insert(User), [{"login": f"load{i:04d}", "full_name": f"Эксперт {i}", "role": "expert",
                              "school_id": marking_schools[i % n_schools], "password_hash": pw_hash,
                              "active": True, "created_at": now} for i in range(experts)])
    users = list(s.execute(select(User.id, User.login, User.school_id).where(User.login.like("load%"))
                           .order_by(User.login)))
    s.execute(insert(user_subjects), [{"user_id": u.id, "subject_id": subject_id} for u in users])
    tokens = {u.id: secrets.token_urlsafe(32) for u in users}
    s.execute(insert(ApiToken), [{"user_id": uid, "token_hash": hashlib.sha256(t.encode()).hexdigest(),
                                  "created_at": now} for uid, t in tokens.items()])

    # Papers to mark: each expert gets papers of a school that is not their own.
    papers = []
    for e, u in enumerate(users):
        for k in range(per_expert):
            school = marking_schools[(e + 1 + k % (n_schools - 1)) % n_schools]
            if school == u.school_id:
                school = marking_schools[(marking_schools.index(school) + 1) % n_schools]
            papers.append({"campaign_id": campaign.id, "school_id": school, "participant_code": f"{e:04d}{k:04d}",
                           "cipher": f"LD{e:05d}{k:05d}", "class_name": "5А", "variant": "1",
                           "original_marker_name": "", "status": "marking", "created_at": now})
    scan = {}
    for j, school in enumerate(extra_schools):  # ordered by code: 8xxxxx after 7xxxxx
        code = f"8{j:05d}"
        count = scan_papers // scan_schools + (j < scan_papers % scan_schools)
        entries = [(f"{i + 1:05d}", f"SC{j:03d}{i:05d}") for i in range(count)]
        scan[code] = entries
        papers += [{"campaign_id": campaign.id, "school_id": school, "participant_code": pc, "cipher": ci,
                    "class_name": "5Б", "variant": "1", "original_marker_name": "", "status": "unassigned",
                    "created_at": now} for pc, ci in entries]
    for start in range(0, len(papers), 5000):
        s.execute(insert(Paper), papers[start:start + 5000])
    paper_ids = dict(s.execute(select(Paper.cipher, Paper.id).where(Paper.campaign_id == campaign.id)).all())
    originals = [{"paper_id": pid, "task_id": tid, "max_score": mx, "score": rng.randint(0, mx), "attempted": True}
                 for pid in paper_ids.values() for tid, mx in task_rows]
    for start in range(0, len(originals), 20000):
        s.execute(insert(OriginalScore), originals[start:start + 20000])
    marked = [paper_ids[p["cipher"]] for p in papers if p["status"] == "marking"]
    page_rows = [{"campaign_id": campaign.id, "paper_id": pid, "position": n + 1, "source_index": 0,
                  "original_sha256": o, "masked_sha256": m, "width": 1240, "height": 1754, "rotation": 0,
                  "status": "placed", "reason": "", "created_at": now}
                 for pid in marked for n, (o, m) in enumerate(stored)]
    for start in range(0, len(page_rows), 20000):
        s.execute(insert(Page), page_rows[start:start + 20000])
    rows = []
    for e, u in enumerate(users):
        for k in range(per_expert):
            rows.append({"paper_id": paper_ids[f"LD{e:05d}{k:05d}"], "expert_id": u.id, "kind": "recheck",
                         "round": 1, "status": "assigned", "version": 1, "comment": "", "problem_note": "",
                         "created_at": now})
    for start in range(0, len(rows), 20000):
        s.execute(insert(Assignment), rows[start:start + 20000])
    s.commit()
    # Planner statistics, as autovacuum (PostgreSQL) would gather within a minute of a bulk
    # load in production; without them PostgreSQL plans the per-request lookups as if the
    # tables were empty (a page lookup scanned 600 rows: 20 ms instead of 0.1 ms).
    from sqlalchemy import text

    with db.engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    by_expert = defaultdict(list)
    for aid, eid in s.execute(select(Assignment.id, Assignment.expert_id).order_by(Assignment.id)):
        by_expert[eid].append(aid)
    specs = [ExpertSpec(u.login, tokens[u.id], by_expert[u.id]) for u in users]
    db.dispose()
    return Setup(url, slug, specs, tasks, scan)


# --- processes: gunicorn, redis, workers ---------------------------------------------------

def app_env(database_url: str, data_dir: Path, redis_url: str = "") -> dict[str, str]:
    return {"DATABASE_URL": database_url, "CROSSCHECK_DATA_DIR": str(data_dir), "REDIS_URL": redis_url,
            "SECRET_KEY": "load-" + "k" * 40, "CROSSCHECK_ENV": "production", "PYTHONUNBUFFERED": "1"}


def wait_http(port: int, path: str = "/healthz", timeout: float = 60.0, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before answering")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path} within {timeout:.0f} s")


class Gunicorn:
    """`gunicorn -c deploy/gunicorn.conf.py wsgi:app` on a free loopback port (production config;
    workers/threads from CROSSCHECK_WEB_WORKERS / CROSSCHECK_WEB_THREADS when given)."""

    def __init__(self, env: dict[str, str], log_path: Path, workers: int | None = None, threads: int | None = None,
                 config: Path | None = None):
        self.port = free_port()
        self.config = config or ROOT / "deploy" / "gunicorn.conf.py"
        self.env = os.environ | env | {"CROSSCHECK_BIND": f"127.0.0.1:{self.port}"}
        if workers:
            self.env["CROSSCHECK_WEB_WORKERS"] = str(workers)
        if threads:
            self.env["CROSSCHECK_WEB_THREADS"] = str(threads)
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "Gunicorn":
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", str(self.config),
                                      "--control-socket", str(self.log_path.with_suffix(".ctl")), "wsgi:app"],
                                     cwd=ROOT, env=self.env, stdout=self._log, stderr=self._log)
        wait_http(self.port, timeout=120, proc=self.proc)
        # The first worker answers while the others may still be importing the app: wait
        # until every worker has booted (their CPU time stops growing) before measuring.
        wait_idle(self.proc.pid)
        return self

    def __exit__(self, *exc) -> None:
        stop(self.proc, 30)
        self._log.close()


def _tree_cpu(pid: int) -> tuple[int, float]:
    """(number of children, CPU seconds of the process and its children) from /proc."""
    pids = [pid]
    try:
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return 0, 0.0
    ticks = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return len(pids) - 1, ticks / os.sysconf("SC_CLK_TCK")


def wait_idle(pid: int, timeout: float = 90.0, quiet: float = 0.05) -> None:
    """Wait until the process tree uses less than `quiet` CPU-seconds per second (bounded)."""
    deadline = time.monotonic() + timeout
    _, last = _tree_cpu(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        _, now = _tree_cpu(pid)
        if now - last < quiet * 0.5:
            return
        last = now


def stop(proc: subprocess.Popen | None, timeout: float = 20) -> None:
    """SIGTERM the process we started (by its pid), SIGKILL if it does not go."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


class RedisServer:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.proc = None

    def __enter__(self) -> "RedisServer":
        import shutil

        from redis import Redis

        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.workdir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                return self
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def __exit__(self, *exc) -> None:
        stop(self.proc)


class Workers:
    """`crosscheck worker` processes (long-running, as the systemd units run them)."""

    def __init__(self, env: dict[str, str], count: int, log_path: Path):
        self.env = os.environ | env
        self.count = count
        self.log_path = log_path
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> "Workers":
        self._log = open(self.log_path, "ab")
        for _ in range(self.count):
            self.procs.append(subprocess.Popen([str(VENV_BIN / "crosscheck"), "worker"], cwd=ROOT, env=self.env,
                                               stdout=self._log, stderr=self._log))
        return self

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            stop(proc, 30)
        self._log.close()


# --- the HTTP client -------------------------------------------------------------------------

class Client:
    """One browser: one keep-alive connection, a cookie jar, optional bearer token.

    A request sent on a reused keep-alive connection that the server had already closed
    (gunicorn's keepalive timeout, a recycled worker) is resent once on a fresh connection
    when no byte of an answer came back - what browsers do. Such resends are counted."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 30.0):
        self.port = port
        self.token = token
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.used = False
        self.resends = 0

    def _connect(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        self.used = False

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict, bytes, float]:
        hdrs = {"Accept-Encoding": "identity"} | (headers or {})
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self._connect()
            reused = self.used
            t0 = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                data = resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    http.client.BadStatusLine) as exc:
                self.close()
                # RemoteDisconnected is a ConnectionResetError: the server closed the idle
                # connection before answering anything.
                if reused and attempt == 1 and isinstance(exc, (ConnectionResetError, BrokenPipeError)):
                    self.resends += 1
                    continue
                raise
            elapsed = time.perf_counter() - t0
            self.used = True
            for name, value in resp.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    if "=" in pair:
                        k, v = pair.split("=", 1)
                        if v == "" or "expires=thu, 01 jan 1970" in value.lower():
                            self.cookies.pop(k.strip(), None)
                        else:
                            self.cookies[k.strip()] = v.strip()
            if resp.getheader("Connection", "").lower() == "close":
                self.close()
            return resp.status, dict(resp.getheaders()), data, elapsed
        raise RuntimeError("unreachable")


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_DATA = re.compile(r'data-csrf="([^"]+)"')
ASSIGNMENT_DATA = re.compile(r'<script type="application/json" id="assignment-data">(.*?)</script>', re.S)


def session_login(client: Client, login: str, password: str = PASSWORD) -> str:
    """The login form as a browser submits it; returns the CSRF token for API writes."""
    from urllib.parse import urlencode

    status, _, body, _ = client.request("GET", "/login")
    match = CSRF_INPUT.search(body.decode())
    if status != 200 or not match:
        raise RuntimeError(f"login page: HTTP {status}")
    form = urlencode({"username": login, "password": password, "csrf_token": match.group(1)}).encode()
    status, _, body, _ = client.request("POST", "/login", form,
                                        {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302:
        raise RuntimeError(f"login {login}: HTTP {status}")
    return match.group(1)


# --- the simulated expert ---------------------------------------------------------------------

@dataclass
class Sample:
    category: str
    start: float     # seconds since the run's start
    latency: float   # seconds
    status: int      # 0: transport error
    error: str = ""


@dataclass
class MarkLog:
    """What one client saw happen to one assignment, in order."""
    assignment_id: int
    expert: str
    saves: list[tuple[dict, int]] = field(default_factory=list)     # (scores sent, version answered)
    submitted_version: int | None = None
    ambiguous: bool = False   # a write whose outcome the client could not know (transport error)


@dataclass
class ExpertResult:
    samples: list[Sample]
    logs: list[MarkLog]
    resends: int
    login_error: str = ""


@dataclass
class Plan:
    port: int
    tasks: list[tuple[str, int]]
    duration: float           # seconds of marking per expert (no new paper is started after it)
    think: float              # mean pause between an expert's actions (s), uniform 0.5×…1.5×
    autosaves: int = 3
    auth: str = "session"     # "session" (login form + X-CSRFToken) or "bearer"
    max_requests: int = 5000  # per expert, a hard bound besides time


def run_expert(plan: Plan, spec: ExpertSpec, start, seed: int) -> ExpertResult:
    """Log in (not timed), wait for everyone (`start()` returns the run's time origin),
    then mark paper after paper until the duration is up."""
    rng = random.Random(seed)
    client = Client(plan.port, token=spec.token if plan.auth == "bearer" else None)
    samples: list[Sample] = []
    logs: list[MarkLog] = []
    headers_json = {"Content-Type": "application/json", "Accept": "application/json"}
    csrf = ""
    login_error = ""
    if plan.auth == "session":
        try:
            session_login(client, spec.login)
        except Exception as exc:  # noqa: BLE001 - reported, the expert stops
            login_error = f"{spec.login}: {exc}"
    t_origin = start()
    if login_error:
        return ExpertResult(samples, logs, client.resends, login_error)
    time.sleep(rng.uniform(0, min(2.0, plan.think * 2)))  # don't start in lockstep
    deadline = t_origin + plan.duration
    requests = 0

    def call(category: str, method: str, path: str, body=None, headers=None):
        nonlocal requests
        requests += 1
        start = time.perf_counter()
        try:
            status, hdrs, data, elapsed = client.request(method, path, body, headers)
        except Exception as exc:  # noqa: BLE001 - a transport error is an error sample
            samples.append(Sample(category, start - t_origin, time.perf_counter() - start, 0,
                                  f"{type(exc).__name__}: {exc}"))
            client.close()
            return None, None
        ok = 200 <= status < 300
        samples.append(Sample(category, start - t_origin, elapsed, status,
                              "" if ok else data[:200].decode("utf-8", "replace")))
        return status, data

    def pause():
        time.sleep(plan.think * rng.uniform(0.5, 1.5))

    for aid in spec.assignments:
        if time.perf_counter() >= deadline or requests >= plan.max_requests:
            break
        log = MarkLog(aid, spec.login)
        logs.append(log)
        status, page = call("open", "GET", f"/marking/{aid}")
        version = 1
        if status == 200:
            html = page.decode()
            m = ASSIGNMENT_DATA.search(html)
            if m:
                version = json.loads(m.group(1))["version"]
            m = CSRF_DATA.search(html)
            if m:
                csrf = m.group(1)
        if plan.auth == "session":
            headers = headers_json | {"X-CSRFToken": csrf}
        else:
            headers = headers_json
        call("healthz", "GET", "/healthz")
        call("image", "GET", f"/api/v1/assignments/{aid}/pages/1?w=1200", headers={"Accept": "image/*"})
        pause()
        scores: dict[str, int] = {}
        n = len(plan.tasks)
        for i in range(plan.autosaves):
            upto = max(1, round(n * (i + 1) / plan.autosaves))
            for label, mx in plan.tasks[:upto]:
                if label not in scores or rng.random() < 0.2:
                    scores[label] = rng.randint(0, mx)
            sent = dict(scores)
            body = json.dumps({"scores": sent, "comment": "", "version": version}).encode()
            status, data = call("autosave", "PUT", f"/api/v1/assignments/{aid}/scores", body, headers)
            if status is None:
                log.ambiguous = True
                break
            if status == 200:
                version = json.loads(data)["version"]
                log.saves.append((sent, version))
            pause()
            if time.perf_counter() >= deadline + 30:
                break
        if len(scores) == n and not log.ambiguous:
            status, data = call("submit", "POST", f"/api/v1/assignments/{aid}/submit", b"", headers)
            if status is None:
                log.ambiguous = True
            elif status == 200:
                log.submitted_version = json.loads(data)["version"]
            pause()
    client.close()
    return ExpertResult(samples, logs, client.resends)


def run_experts(plan: Plan, specs: list[ExpertSpec], seed: int = 7,
                on_start=None) -> tuple[list[ExpertResult], float]:
    """One thread per expert: all log in, then all start marking at once (`on_start()` is
    called then). Returns the results and the wall time of the marking."""
    results: list[ExpertResult | None] = [None] * len(specs)
    origin: list[float] = []

    def go():
        origin.append(time.perf_counter())
        if on_start is not None:
            on_start()

    barrier = threading.Barrier(len(specs), action=go)
    login_timeout = 60 + 0.5 * len(specs)

    def start() -> float:
        try:
            barrier.wait(timeout=login_timeout)
        except threading.BrokenBarrierError:
            pass
        if not origin:
            origin.append(time.perf_counter())
        return origin[0]

    def body(i: int, spec: ExpertSpec):
        try:
            results[i] = run_expert(plan, spec, start, seed * 100003 + i)
        except Exception as exc:  # noqa: BLE001 - never lose a thread silently
            results[i] = ExpertResult([], [], 0, f"{spec.login}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=body, args=(i, s), daemon=True) for i, s in enumerate(specs)]
    t_begin = time.perf_counter()
    for t in threads:
        t.start()
    hard_stop = t_begin + login_timeout + plan.duration + 120
    for t in threads:
        t.join(timeout=max(0.1, hard_stop - time.perf_counter()))
    wall = time.perf_counter() - (origin[0] if origin else t_begin)
    return [r if r is not None else ExpertResult([], [], 0, "thread did not finish") for r in results], wall


def _chunk_worker(args):
    plan, specs, seed = args
    return run_experts(plan, specs, seed)


def run_load(plan: Plan, specs: list[ExpertSpec], processes: int = 1, seed: int = 7):
    """Run the experts in `processes` separate generator processes (threads inside each)."""
    if processes <= 1:
        return run_experts(plan, specs, seed)
    import multiprocessing as mp

    chunks = [specs[i::processes] for i in range(processes)]
    with mp.get_context("fork").Pool(processes) as pool:
        parts = pool.map(_chunk_worker, [(plan, c, seed + 17 * i) for i, c in enumerate(chunks)])
    return [r for rs, _ in parts for r in rs], max(w for _, w in parts)


# --- statistics and verification ------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[k]


def _path_category(method: str, path: str) -> str | None:
    if path == "/healthz":
        return "healthz"
    if method == "GET" and path.startswith("/marking/"):
        return "open"
    if "/pages/" in path:
        return "image"
    if method == "PUT" and path.endswith("/scores"):
        return "autosave"
    if method == "POST" and path.endswith("/submit"):
        return "submit"
    return None


def app_times(log_path: Path) -> dict[str, dict[str, float]]:
    """p50/p95 per category of the time spent inside the app, from gunicorn's JSON request
    log (`ms`: from the app's before_request to its response). What the client measured on
    top of it is waiting outside the app: for a gunicorn thread, the GIL, a CPU, the socket."""
    times: dict[str, list[float]] = defaultdict(list)
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            cat = _path_category(entry.get("method", ""), entry.get("path", ""))
            if cat and "ms" in entry:
                times[cat].append(float(entry["ms"]))
    return {cat: {"p50": pct(v, 50), "p95": pct(v, 95)} for cat, v in times.items()}


def summarise(results: list[ExpertResult], wall: float, warmup: float = 0.0) -> dict:
    """Per category: count and errors over the whole run; latencies of the requests started
    after the first `warmup` seconds (each gunicorn worker's first requests are cold)."""
    by_cat: dict[str, list[Sample]] = defaultdict(list)
    for r in results:
        for s in r.samples:
            by_cat[s.category].append(s)
    out = {"wall": wall, "warmup": warmup, "login_errors": [r.login_error for r in results if r.login_error],
           "resends": sum(r.resends for r in results), "categories": {}}
    for cat in CATEGORIES + ("marking",):
        samples = [s for c in (MARKING if cat == "marking" else (cat,)) for s in by_cat.get(c, [])]
        measured = [s for s in samples if s.start >= warmup]
        lat = [s.latency * 1000 for s in measured]
        errors = [s for s in samples if not 200 <= s.status < 300]
        out["categories"][cat] = {"count": len(samples), "errors": len(errors),
                                  "error_examples": sorted({f"{s.status} {s.error[:120]}" for s in errors})[:5],
                                  "p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99),
                                  "max": max(lat) if lat else float("nan"),
                                  "rate": len(measured) / (wall - warmup) if wall > warmup else 0.0}
    base = out["categories"]["healthz"]["p95"]
    for cat, c in out["categories"].items():
        c["ratio"] = c["p95"] / base if base and base == base else float("nan")
    out["total_requests"] = sum(c["count"] for k, c in out["categories"].items() if k != "marking")
    out["total_errors"] = sum(c["errors"] for k, c in out["categories"].items() if k != "marking") + len(
        out["login_errors"])
    return out


def verify_marks(database_url: str, results: list[ExpertResult]) -> dict:
    """Compare what the clients saw with the database: final TaskScore rows, versions,
    statuses, and the `marks.save` / `marks.submit` audit events (one per successful call,
    carrying exactly the scores and version the client was told)."""
    from sqlalchemy import select

    from crosscheck.db import Database
    from crosscheck.models import Assignment, AuditEvent, TaskScore, TemplateTask

    logs = [log for r in results for log in r.logs]
    ids = [log.assignment_id for log in logs]
    db = Database(database_url)
    s = db.session
    problems: list[str] = []
    labels = dict(s.execute(select(TemplateTask.id, TemplateTask.label)).all())
    scores: dict[int, dict[str, int]] = defaultdict(dict)
    assignments: dict[int, tuple[str, int]] = {}
    saves: dict[int, list[dict]] = defaultdict(list)
    submits: dict[int, list[dict]] = defaultdict(list)
    for start in range(0, len(ids), 2000):
        part = ids[start:start + 2000]
        for aid, tid, score in s.execute(select(TaskScore.assignment_id, TaskScore.task_id, TaskScore.score)
                                         .where(TaskScore.assignment_id.in_(part))):
            scores[aid][labels[tid]] = score
        for aid, status, version in s.execute(select(Assignment.id, Assignment.status, Assignment.version)
                                              .where(Assignment.id.in_(part))):
            assignments[aid] = (getattr(status, "value", status), version)
        for eid, action, after in s.execute(
                select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.after)
                .where(AuditEvent.entity_type == "assignment", AuditEvent.entity_id.in_(part),
                       AuditEvent.action.in_(["marks.save", "marks.submit"])).order_by(AuditEvent.id)):
            (saves if action == "marks.save" else submits)[eid].append(after or {})
    # Assignments nobody touched must have no marks at all.
    touched = set(ids)
    stray = s.scalar(select(TaskScore.assignment_id).where(TaskScore.assignment_id.not_in(touched)).limit(1)) \
        if touched else None
    db.dispose()
    if stray is not None:
        problems.append(f"assignment {stray}: scores that no client wrote")
    checked = ambiguous = saves_seen = submits_seen = 0
    for log in logs:
        aid = log.assignment_id
        if log.ambiguous:
            ambiguous += 1
            continue
        checked += 1
        expected: dict[str, int] = {}
        for sent, _ in log.saves:
            expected.update(sent)
        saves_seen += len(log.saves)
        if scores.get(aid, {}) != expected:
            problems.append(f"assignment {aid}: final scores {scores.get(aid, {})} != client's {expected}")
        audit = saves[aid]
        if len(audit) != len(log.saves):
            problems.append(f"assignment {aid}: {len(audit)} marks.save events, client saw {len(log.saves)} saves")
        else:
            merged: dict[str, int] = {}
            for (sent, version), event in zip(log.saves, audit):
                merged.update(sent)
                if event.get("version") != version or event.get("scores") != merged:
                    problems.append(f"assignment {aid}: audit save v{event.get('version')} "
                                    f"{event.get('scores')} != client v{version} {merged}")
                    break
        status, version = assignments.get(aid, ("missing", None))
        if log.submitted_version is not None:
            submits_seen += 1
            if status != "submitted" or version != log.submitted_version:
                problems.append(f"assignment {aid}: status {status} v{version}, client saw submit "
                                f"v{log.submitted_version}")
            if len(submits[aid]) != 1 or submits[aid][0].get("scores") != expected:
                problems.append(f"assignment {aid}: {len(submits[aid])} marks.submit events "
                                f"(expected 1 with {expected})")
        else:
            last = log.saves[-1][1] if log.saves else 1
            if status == "submitted" or submits[aid]:
                problems.append(f"assignment {aid}: submitted, but the client never saw it succeed")
            if version != last:
                problems.append(f"assignment {aid}: version {version}, client last saw {last}")
    return {"assignments": len(logs), "checked": checked, "ambiguous": ambiguous, "saves": saves_seen,
            "submits": submits_seen, "problems": problems}


# --- reporting -------------------------------------------------------------------------------

def _name(category: str) -> str:
    return "marking (all four)" if category == "marking" else category


def _mark(p95: float, target: float | None) -> str:
    return "" if target is None else (f"≤ {target:.0f} ✔" if p95 <= target else f"≤ {target:.0f} ✘")


def table(summary: dict, targets: dict[str, float] | None = None) -> str:
    targets = targets or {}
    lines = ["| category | count | errors | req/s | p50 ms | p95 ms | p99 ms | max ms | p95 / healthz p95 "
             "| target p95 |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for cat in CATEGORIES + ("marking",):
        c = summary["categories"][cat]
        lines.append(f"| {_name(cat)} | {c['count']} | {c['errors']} | {c['rate']:.1f} | {c['p50']:.1f} | {c['p95']:.1f} | "
                     f"{c['p99']:.1f} | {c['max']:.0f} | {c['ratio']:.1f} | {_mark(c['p95'], targets.get(cat))} |")
    return "\n".join(lines)


def median_table(runs: list[dict], targets: dict[str, float] | None = None) -> str:
    """Medians over runs of each statistic (errors: summed)."""
    targets = targets or {}
    lines = ["| category | count (sum) | errors (sum) | p50 ms | p95 ms | p99 ms | p95 / healthz p95 | target p95 |",
             "|---|---|---|---|---|---|---|---|"]
    for cat in CATEGORIES + ("marking",):
        cs = [r["categories"][cat] for r in runs]
        med = {k: statistics.median(c[k] for c in cs) for k in ("p50", "p95", "p99", "ratio")}
        lines.append(f"| {_name(cat)} | {sum(c['count'] for c in cs)} | {sum(c['errors'] for c in cs)} | "
                     f"{med['p50']:.1f} | {med['p95']:.1f} | {med['p99']:.1f} | {med['ratio']:.1f} | "
                     f"{_mark(med['p95'], targets.get(cat))} |")
    return "\n".join(lines)


def finish(workdir: Path, keep: bool, failed: bool) -> int:
    """A benchmark's last step: keep or remove its work directory; the exit status."""
    if keep:
        print(f"work directory kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def print_errors(summary: dict) -> None:
    for err in summary["login_errors"][:5]:
        print("  login error:", err)
    for cat, c in summary["categories"].items():
        if cat != "marking":
            for ex in c["error_examples"]:
                print(f"  {cat} error: {ex}")


# --- scans ----------------------------------------------------------------------------------

def build_scan_files(out_dir: Path, slug: str, campaign_name: str, scan_papers: dict[str, list[tuple[str, str]]],
                     *, content_pages: int = 4, size: tuple[int, int] = (1240, 1754), dpi: int = 150,
                     cache: bool = False) -> list[Path]:
    """One scanned PDF per school, made as a school makes it (tests/scans/conftest.build_scan):
    our printed cover (skewed, noisy; every tenth upside down) then the paper's content pages.
    With `cache`, a file already built for the same papers is reused."""
    from scanner_import import CoverEntry, CoverSheetSet
    from scanner_import import synthetic as syn

    out_dir.mkdir(parents=True, exist_ok=True)
    contents = None
    files = []
    for code, entries in scan_papers.items():
        key = hashlib.sha256(json.dumps([slug, code, entries, content_pages, size, dpi]).encode()).hexdigest()[:12]
        path = out_dir / f"load-scan-{code}-{len(entries) * (content_pages + 1)}p-{key}.pdf"
        files.append(path)
        if cache and path.exists():
            continue
        if contents is None:
            contents = [syn.jpeg(syn.content_page(seed, size=size), 75) for seed in range(12)]
        sheets = CoverSheetSet(slug, campaign_name, code, f"Школа сканов {code}",
                               [CoverEntry(pc, ci) for pc, ci in entries])

        def pages(sheets=sheets, entries=entries):
            for n, entry in enumerate(sheets.entries):
                yield syn.cover_page(sheets, entry, n + 1, len(entries), size=size, angle=0.7,
                                     upside_down=n % 10 == 9, seed=n)
                for k in range(content_pages):
                    yield contents[(n * content_pages + k) % len(contents)]

        tmp = path.with_suffix(".tmp")
        syn.write_scan_pdf(tmp, pages(), dpi=dpi)
        os.replace(tmp, path)
    return files


def enqueue_scan(env: dict[str, str], slug: str, path: Path) -> int:
    """`crosscheck scans import CAMPAIGN FILE` (queued: REDIS_URL is set); the batch id."""
    out = subprocess.run([str(VENV_BIN / "crosscheck"), "scans", "import", slug, str(path)], cwd=ROOT,
                         env=os.environ | env, capture_output=True, text=True, timeout=300)
    match = re.search(r"партия (\d+)", out.stdout)
    if out.returncode != 0 or not match:
        raise RuntimeError(f"scans import {path.name}: exit {out.returncode}: "
                           f"{out.stdout[-500:]} {out.stderr[-1500:]}")
    return int(match.group(1))


def wait_batches(database_url: str, batch_ids: list[int], timeout: float) -> list[dict]:
    """Poll the batches until done/failed (bounded); their reports and import times."""
    from sqlalchemy import select

    from crosscheck.db import Database
    from crosscheck.models import ScanBatch

    db = Database(database_url)
    deadline = time.monotonic() + timeout
    try:
        while True:
            db.session.expire_all()
            rows = list(db.session.scalars(select(ScanBatch).where(ScanBatch.id.in_(batch_ids))))
            statuses = [getattr(b.status, "value", b.status) for b in rows]
            if all(st in ("done", "failed") for st in statuses) or time.monotonic() > deadline:
                return [{"id": b.id, "file": b.filename, "status": st, "error": b.error, "report": b.report or {},
                         "created": b.created_at, "finished": b.finished_at,
                         "seconds": (b.finished_at - b.created_at).total_seconds() if b.finished_at else None}
                        for b, st in zip(rows, statuses)]
            db.session.rollback()
            time.sleep(0.5)
    finally:
        db.dispose()
