"""``make bench``: Xinqing under load next to a bare Flask app, on PostgreSQL, with wrk.

One run, everything measured in it:

1. A scratch PostgreSQL database (``xq_bench_*``, dropped at the end), a temporary key
   file and secret, Redis for sessions and limits (keys under a prefix of this run, deleted
   at the end): the production configuration, served by ``gunicorn -c gunicorn.conf.py``.
2. Baselines: ``bench/bare_app.py`` under the same gunicorn settings, ``GET /hello`` and
   ``POST /insert`` (one row).
3. Our figures at 32 concurrent clients: home page, a questionnaire, a signed-in result
   history, the session list, the social worker dashboard, a screening submission, a
   booking and its cancel; gunicorn worker RSS from /proc.
4. Scale: the booking and cancel figures again with 10k, 100k and 1M rows of booking
   history (past sessions attended, missed or cancelled by 2000 other people).

Each figure is the median of ``--runs`` wrk runs of ``--seconds`` after a short warm-up.
Results go to ``bench/results/<date>.json``; the summary is printed as Markdown.

    .venv/bin/python bench/run.py [--url postgresql://postgres@127.0.0.1:5432/test]
                                  [--redis redis://127.0.0.1:6379/13] [--sizes 10000,...]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
LUA = ROOT / "bench" / "lua" / "replay.lua"
COOKIE = "__Host-session"  # the production session cookie
PASSWORD = "Bench-password-2026"  # noqa: S105  (scratch accounts in a scratch database)
CLIENTS, THREADS = 32, 2
SEE_OTHER = 303  # what a successful form POST answers (app/prg.py)
WORKERS = 32  # signed-in bench workers: one per client connection
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

# Issue 21's targets: each page's throughput over its baseline's in the same run (GET pages
# over the bare hello, POSTs over the bare insert), p99 of every GET page at 32 connections
# (judged only when the bare hello's own p99 is under it), worker memory, and booking
# throughput that does not fall as the history grows (the largest size over 10k, with the
# run-to-run noise of these machines allowed for).
TARGETS = {
    "ratio": {"home": 0.40, "questionnaire": 0.40, "result_history": 0.25,
              "session_list": 0.25, "social_worker_dashboard": 0.15,
              "screening_submission": 0.35, "booking": 0.20, "cancel": 0.20},
    "p99_ms": 150.0, "rss_mb": 150.0, "booking_growth_floor": 0.9,
}
GET_PAGES = ("home", "questionnaire", "result_history", "session_list",
             "social_worker_dashboard")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


# -- HTTP client for setting up signed-in sessions ---------------------------------------------
class Client:
    """Just enough HTTP for signing in: keeps the session cookie, follows no redirects.

    The production cookie is ``Secure``; behind nginx it travels over TLS, here over
    loopback, so the cookie is kept by hand and ``X-Forwarded-Proto: https`` is sent as
    nginx would.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookie = ""

    def request(self, method: str, path: str, form: dict | None = None
                ) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        # Behind nginx the app sees HTTPS, and Flask-WTF then checks the Referer (as a
        # browser sends it) against the host.
        headers = {"X-Forwarded-Proto": "https",
                   "Referer": f"https://127.0.0.1:{self.port}/"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        body = urlencode(form) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            text = resp.read().decode("utf-8", "replace")
            for name, value in resp.getheaders():
                if name.lower() == "set-cookie":
                    morsel = SimpleCookie(value).get(COOKIE)
                    if morsel is not None and morsel.value:
                        self.cookie = f"{COOKIE}={morsel.value}"
            return resp.status, resp.getheader("Location") or "", text
        finally:
            conn.close()

    def csrf(self, path: str) -> str:
        status, _, html = self.request("GET", path)
        match = CSRF.search(html)
        if status != 200 or not match:
            raise RuntimeError(f"no form at {path} (status {status})")
        return match.group(1)

    def sign_in(self, login: str, totp_secret: str | None = None) -> str:
        """Sign in (with the second factor for staff); returns a CSRF token for the session."""
        token = self.csrf("/account/login")
        status, location, _ = self.request("POST", "/account/login",
                                           {"login": login, "password": PASSWORD,
                                            "csrf_token": token})
        if status not in (302, 303):  # app/prg.py answers a form's POST with 303
            raise RuntimeError(f"sign-in of {login} answered {status}")
        if totp_secret:
            import pyotp

            token = self.csrf("/account/mfa")
            status, location, _ = self.request("POST", "/account/mfa", {
                "code": pyotp.TOTP(totp_secret).now(), "csrf_token": token})
            if status not in (302, 303) or "mfa" in location:
                raise RuntimeError(f"second factor of {login} answered {status} {location}")
        # A worker's sign-out form is on the 我的 page; staff have it in the menu of every page.
        return self.csrf("/booking" if totp_secret else "/me")


# -- gunicorn ----------------------------------------------------------------------------------
class Gunicorn:
    """``gunicorn -c gunicorn.conf.py SPEC`` on a free port, logs to a file."""

    def __init__(self, spec: str, env: dict[str, str], log: Path, ready_path: str,
                 root: Path = ROOT) -> None:
        self.port = free_port()
        self.spec, self.log, self.ready_path, self.root = spec, log, ready_path, root
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "PYTHONPATH": str(root)}
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), self.spec],
            cwd=self.root, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {self.spec} exited; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", self.ready_path)
                if conn.getresponse().status == 200:
                    conn.close()
                    return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"gunicorn {self.spec} did not answer within 60 s; see {self.log}")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The worker processes: children of the master, read from /proc."""
        return sorted(pid for pid, _, fields in proc_stats()
                      if self.proc and int(fields[1]) == self.proc.pid)

    def worker_boots(self) -> int:
        """Workers started so far, first ones included: gunicorn recycles a worker after
        ``max_requests``, and each boot's cost is taken from the requests being served."""
        try:
            return self.log.read_text(errors="replace").count("Booting worker")
        except OSError:
            return 0

    def worker_memory_mb(self) -> dict:
        """Resident and peak resident memory of each worker (VmRSS, VmHWM), in MB."""
        rss, hwm = [], []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if "VmRSS" not in fields:  # a worker exiting (a zombie has no memory lines)
                continue
            rss.append(int(fields["VmRSS"].split()[0]) / 1024)
            hwm.append(int(fields["VmHWM"].split()[0]) / 1024)
        return {"workers": len(rss), "rss_mb_max": round(max(rss, default=0), 1),
                "rss_mb_median": round(statistics.median(rss), 1) if rss else 0,
                "peak_rss_mb_max": round(max(hwm, default=0), 1)}


# -- where the CPU goes --------------------------------------------------------------------------
def proc_stats() -> Iterator[tuple[int, str, list[str]]]:
    """(pid, command name, the fields after it) of every live process, from /proc/PID/stat
    (``fields[1]`` is the parent, ``fields[11:15]`` the CPU ticks); a process that ends
    while being read is skipped."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        yield (int(entry.name), stat[stat.index("(") + 1:stat.rindex(")")],
               stat[stat.rindex(")") + 2:].split())


# Process names (``comm``) and the group their CPU is counted in; this process (the harness,
# whose reaped children are the wrk runs) counts as the load generator.
CPU_GROUPS = {"gunicorn": "app", "postgres": "postgres", "redis-server": "redis"}


def cpu_seconds_by_group() -> dict[str, float]:
    """CPU seconds used so far, summed per group over every live process, its reaped
    children included (a recycled worker's CPU stays in its master's, a finished wrk run's
    in this process's), so that the difference of two readings counts every process once."""
    tick = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    totals: dict[str, float] = {}
    for pid, comm, fields in proc_stats():
        used = sum(int(v) for v in fields[11:15]) / tick  # utime, stime, cutime, cstime
        group = "load generator" if pid == me else CPU_GROUPS.get(comm, "other")
        totals[group] = totals.get(group, 0.0) + used
    return totals


def cpu_ms_per_request(before: dict[str, float], after: dict[str, float],
                       requests: int) -> dict[str, float]:
    """Each group's CPU milliseconds per request answered between two readings."""
    if not requests:
        return {}
    return {group: round((after.get(group, 0.0) - before.get(group, 0.0)) * 1000 / requests, 3)
            for group in sorted(after)}


# -- wrk ---------------------------------------------------------------------------------------
def wrk(url: str, lines: list[tuple[str, str, str, str]], *, mode: str, ok_status: int,
        ok_location: str | None, seconds: float, work: Path) -> dict:
    """One wrk run over ``lines``; returns the JSON line printed by replay.lua."""
    data = work / f"wrk-{uuid.uuid4().hex[:8]}.tsv"
    data.write_text("".join("\t".join(line) + "\n" for line in lines), encoding="utf-8")
    cmd = ["wrk", "-t", str(THREADS), "-c", str(CLIENTS), "-d", f"{max(1, round(seconds))}s",
           "--timeout", "10s", "-s", str(LUA), url, "--", str(data), mode, str(ok_status),
           ok_location or "-", str(THREADS), url.replace("http://", "https://") + "/"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 60)
    data.unlink()
    for line in out.stdout.splitlines():
        if line.startswith("XQJSON "):
            result = json.loads(line[7:])
            span = result["ok_span_s"] if mode == "once" else result["duration_s"]
            result["rps"] = round(result["ok"] / span, 1) if span else 0.0
            return result
    raise RuntimeError(f"wrk printed no result:\n{out.stdout}\n{out.stderr}")


def summarise(runs: list[dict]) -> dict:
    """The median of each figure over the runs, and the runs themselves."""
    keys = ("rps", "p50_ms", "p90_ms", "p99_ms")
    summary = {k: round(statistics.median(r[k] for r in runs), 2) for k in keys}
    summary["server_errors"] = sum(r["server_errors"] for r in runs)
    summary["not_ok"] = sum(r["other"] for r in runs)
    summary["load_average_1min"] = load_average()
    summary["runs"] = runs
    return summary


class Bench:
    """Runs the phases and keeps the results."""

    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.results: dict = {"phases": {}, "scale": []}
        self.server: Gunicorn | None = None

    def spy(self, name: str, seconds: int | None = None) -> None:
        """With ``--profile DIR``: py-spy samples every worker during the next run."""
        if not self.args.profile or self.server is None or self.server.proc is None:
            return
        out = Path(self.args.profile)
        out.mkdir(parents=True, exist_ok=True)
        subprocess.Popen(  # ends by itself after --duration
            [str(BIN / "py-spy"), "record", "--pid", str(self.server.proc.pid), "--subprocesses",
             "--format", "raw", "--rate", "200", "--nonblocking",
             "--duration", str(seconds or self.args.seconds),
             "-o", str(out / f"{name}.txt")], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)

    def phase(self, name: str, url: str, lines: list, *, ok_status: int = 200,
              ok_location: str | None = None, mode: str = "cycle") -> dict:
        wrk(url, lines, mode=mode, ok_status=ok_status, ok_location=ok_location,
            seconds=self.args.warmup, work=self.work)
        self.spy(name)
        cpu_before = cpu_seconds_by_group()
        runs = [wrk(url, lines, mode=mode, ok_status=ok_status, ok_location=ok_location,
                    seconds=self.args.seconds, work=self.work) for _ in range(self.args.runs)]
        cpu = cpu_ms_per_request(cpu_before, cpu_seconds_by_group(),
                                 sum(r["requests"] for r in runs))
        earlier = self.results["phases"].get(name)
        if earlier:  # a baseline measured again at the end: the median over both visits
            runs = earlier["runs"] + runs
        summary = summarise(runs)
        summary["cpu_ms_per_request"] = cpu
        self.results["phases"][name] = summary
        print(f"  {name:<22} {summary['rps']:>8.1f} req/s  p50 {summary['p50_ms']:>7.1f} ms"
              f"  p99 {summary['p99_ms']:>7.1f} ms  (5xx {summary['server_errors']}, "
              f"not ok {summary['not_ok']}, load {summary['load_average_1min']})", flush=True)
        print("    CPU ms per request: " + ", ".join(f"{g} {v:.2f}" for g, v in cpu.items()),
              flush=True)
        return summary


# -- the world in the scratch database ---------------------------------------------------------
def build_world(history_stats: int) -> dict:
    """Demo network, bench accounts, bookable sessions and report statistics (in-process)."""
    import pyotp
    from flask_migrate import upgrade

    import assessments
    from app import create_app
    from app.accounts import services as accounts
    from app.accounts.models import Role
    from app.booking.models import Centre, Service, Session
    from app.extensions import db
    from app.reports import history
    from app.screening import services as screening
    from app.seed import seed
    from app.types import utcnow
    from config import ProductionConfig

    # Cheap hashes while seeding; the server re-hashes each at sign-in at production cost.
    app = create_app(ProductionConfig, ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=8,
                     ARGON2_PARALLELISM=1)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed()
        counsellor = accounts.create_staff(email="bench-counsellor@example.com",
                                           password=PASSWORD, roles=[Role.COUNSELLOR],
                                           name="Bench counsellor")
        social = accounts.create_staff(email="bench-social@example.com", password=PASSWORD,
                                       roles=[Role.SOCIAL_WORKER], name="Bench social")
        secret = pyotp.random_base32()
        social.totp_secret = secret
        social.totp_enabled_at = utcnow()
        db.session.commit()
        workers = []
        for i in range(WORKERS):
            user = accounts.register_worker(f"bench-w{i:02d}@example.com", PASSWORD,
                                            name=f"Bench {i}", accepted_privacy_notice=True)
            screening.give_health_consent(user)
            workers.append(user.id)
        reader = accounts.register_worker("bench-reader@example.com", PASSWORD,
                                          name="Bench reader", accepted_privacy_notice=True)
        screening.give_health_consent(reader)
        for code in ("phq9", "gad7"):
            instrument = assessments.get(code)
            for n in range(10):  # a history of 20 results across two questionnaires
                answers = [(n + i) % 3 for i in range(len(instrument.items))]
                if code == "phq9":
                    answers[-1] = 0  # no self-harm answer: no risk item
                screening.save_result(reader, instrument, answers, {}, keep=True)
        hub = db.session.scalar(db.select(Centre).where(Centre.code == "qz-hub"))
        lecture = db.session.scalar(db.select(Service).where(Service.code == "lecture"))
        start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
        sessions = []
        for i in range(64):  # a large group session every two hours, never overlapping
            s = Session(centre_id=hub.id, service_id=lecture.id, counsellor_id=counsellor.id,
                        room="Bench", starts_at=start + timedelta(hours=2 * i),
                        ends_at=start + timedelta(hours=2 * i, minutes=90),
                        capacity=100000, booked=0)
            db.session.add(s)
            sessions.append(s)
        db.session.commit()
        history.generate(history_stats, months=24)
        return {"workers": workers, "sessions": [s.id for s in sessions],
                "social_secret": secret, "counsellor": counsellor.id, "centre": hub.id,
                "services": [s.id for s in db.session.scalars(db.select(Service))]}


def sign_in_all(port: int, world: dict) -> dict:
    """Signed-in sessions (cookie and CSRF token) for the bench accounts, a few at a time."""
    def worker(i: int) -> tuple[str, str]:
        c = Client(port)
        token = c.sign_in(f"bench-w{i:02d}@example.com")
        return c.cookie, token

    with ThreadPoolExecutor(4) as pool:
        workers = list(pool.map(worker, range(WORKERS)))
    reader = Client(port)
    reader.sign_in("bench-reader@example.com")
    social = Client(port)
    social.sign_in("bench-social@example.com", world["social_secret"])
    return {"workers": workers, "reader": reader.cookie, "social": social.cookie}


def screening_body(port: int, token: str) -> str:
    """A complete PHQ-9 form (first option of every question: no risk answer)."""
    _, _, html = Client(port).request("GET", "/screening/phq9")
    chosen: dict[str, str] = {}
    for name, value in re.findall(r'type="radio"[^>]*name="([^"]+)" value="(-?\d+)"', html):
        chosen.setdefault(name, value)
    if not chosen:
        raise RuntimeError("no questions found on /screening/phq9")
    return urlencode({**chosen, "csrf_token": token})


# -- booking rounds and history ----------------------------------------------------------------
def wait_idle(engine, limit: float = 60) -> None:
    """Until the server has finished what wrk sent: requests queued when wrk stopped still
    run (and commit) after it returns, and must not race the reset or the seat check."""
    from sqlalchemy import text

    deadline = time.monotonic() + limit
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            busy = conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                    ":d AND state <> 'idle' AND pid <> pg_backend_pid()"),
                               {"d": engine.url.database})
            conn.rollback()
            if not busy:
                time.sleep(0.3)  # and once more, for a request between two queries
                if not conn.scalar(text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND "
                        "state <> 'idle' AND pid <> pg_backend_pid()"),
                        {"d": engine.url.database}):
                    return
            time.sleep(0.2)


def reset_bookings(engine, world: dict) -> None:
    """Cancel the bench accounts' leftover bookings so every round starts alike."""
    from sqlalchemy import text

    wait_idle(engine)

    with engine.begin() as conn:
        conn.execute(text("UPDATE bookings SET status = 'cancelled', cancelled_at = now() "
                          "WHERE session_id = ANY(:s) AND status IN ('requested', "
                          "'confirmed')"), {"s": world["sessions"]})
        conn.execute(text("UPDATE sessions SET booked = 0 WHERE id = ANY(:s)"),
                     {"s": world["sessions"]})


def seat_check(engine, world: dict) -> dict:
    """The suite's seat invariant after each round (app/booking/invariants.py): every
    session's held seats equal its active bookings plus open waiting-list offers."""
    from app.booking.invariants import seat_mismatch_query

    with engine.connect() as conn:
        wrong = conn.execute(seat_mismatch_query(world["sessions"])).all()
        held = conn.execute(text_query("SELECT count(*), coalesce(sum(booked), 0) FROM sessions "
                                       "WHERE id = ANY(:s)"), {"s": world["sessions"]}).one()
    return {"sessions": held[0], "seats_counted": int(held[1]),
            "mismatched_sessions": [{"session": r[0], "booked": r[1], "held": r[2]}
                                    for r in wrong]}


def text_query(sql: str):
    """A literal SQL statement (bench bookkeeping only)."""
    from sqlalchemy import text

    return text(sql)


class LockWaits:
    """Samples pg_stat_activity while a burst runs: how many backends wait for a lock.

    Every booking updates rows that other bookings also update (the session's seat count,
    the report roll-up cell, the audit-chain head); waiting for those locks is where
    concurrent writes queue behind each other.
    """

    def __init__(self, engine, database: str) -> None:
        import threading

        self.engine, self.database = engine, database
        self.samples: list[tuple[int, int]] = []
        self.waiting_on: dict[str, int] = {}  # the statement that waits, by table
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from sqlalchemy import text

        query = text("SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), "
                     "count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
                     "WHERE datname = :d AND pid <> pg_backend_pid()")
        statements = text("SELECT query FROM pg_stat_activity WHERE datname = :d AND "
                          "wait_event_type = 'Lock'")
        with self.engine.connect() as conn:
            while not self._stop.wait(0.05):
                waiting, active = conn.execute(query, {"d": self.database}).one()
                for (sql,) in conn.execute(statements, {"d": self.database}):
                    key = _statement_table(sql)
                    self.waiting_on[key] = self.waiting_on.get(key, 0) + 1
                conn.rollback()
                self.samples.append((waiting, active))

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict:
        if not self.samples:
            return {}
        n = len(self.samples)
        return {"mean_waiting_for_lock": round(statistics.mean(w for w, _ in self.samples), 2),
                "mean_active": round(statistics.mean(a for _, a in self.samples), 2),
                "mean_waiting_by_statement": {k: round(v / n, 2) for k, v in
                                              sorted(self.waiting_on.items())}}


def _statement_table(sql: str) -> str:
    """``UPDATE audit_head`` and the like: the verb and the table a waiting statement names."""
    words = sql.replace("\n", " ").split()
    verb = words[0].upper() if words else "?"
    table = next((w.strip('"(') for i, w in enumerate(words[1:], 1)
                  if words[i - 1].upper() in ("UPDATE", "INTO", "FROM")), "?")
    return f"{verb} {table}"


def booking_rounds(bench: Bench, server: Gunicorn, engine, world: dict, signed: dict,
                   label: str) -> dict:
    """Rounds of: a booking burst (each pair once), then cancelling what it booked."""
    from sqlalchemy import text

    owners = {uid: signed["workers"][i] for i, uid in enumerate(world["workers"])}
    book_lines = [("POST", f"/booking/sessions/{sid}/book", cookie, f"csrf_token={token}")
                  for sid in world["sessions"] for cookie, token in signed["workers"]]
    book_runs, cancel_runs, checks = [], [], []
    # CPU seconds by process group over the measured bursts (the warm-up round left out),
    # read once the server is idle again: whether a slower size costs more CPU per request
    # (the app's or PostgreSQL's) or only waits longer.
    book_cpu: dict[str, float] = {}
    cancel_cpu: dict[str, float] = {}
    for _ in range(bench.args.runs + 1):  # the first round warms up
        reset_bookings(engine, world)
        if len(book_runs) == 1:
            bench.spy(f"booking-{label}")
        cpu_before = cpu_seconds_by_group()
        with LockWaits(engine, engine.url.database) as waits:
            booked = wrk(server.url, book_lines, mode="once", ok_status=SEE_OTHER,
                         ok_location="/bookings/", seconds=bench.args.seconds, work=bench.work)
        booked.update(waits.summary())
        print(f"    waiting for locks, by statement: {booked.get('mean_waiting_by_statement')}",
              flush=True)
        wait_idle(engine)
        if book_runs:
            _add_cpu(book_cpu, cpu_before)
        with engine.connect() as conn:
            made = conn.execute(text(
                "SELECT uid, user_id FROM bookings WHERE session_id = ANY(:s) "
                "AND status = 'confirmed' ORDER BY id"), {"s": world["sessions"]}).all()
        cancel_lines = [("POST", f"/bookings/{b.uid}/cancel", owners[b.user_id][0],
                         f"csrf_token={owners[b.user_id][1]}") for b in made]
        if len(book_runs) == 1:
            bench.spy(f"cancel-{label}")
        cpu_before = cpu_seconds_by_group()
        cancelled = wrk(server.url, cancel_lines, mode="once", ok_status=SEE_OTHER,
                        ok_location="/bookings/", seconds=bench.args.seconds, work=bench.work)
        wait_idle(engine)
        if cancel_runs:
            _add_cpu(cancel_cpu, cpu_before)
        checks.append(seat_check(engine, world))
        book_runs.append(booked)
        cancel_runs.append(cancelled)
    book, cancel = summarise(book_runs[1:]), summarise(cancel_runs[1:])
    for summary, runs, used in ((book, book_runs, book_cpu), (cancel, cancel_runs, cancel_cpu)):
        summary["cpu_ms_per_request"] = cpu_ms_per_request(
            {}, used, sum(r["requests"] for r in runs[1:]))
    book["mean_waiting_for_lock"] = round(statistics.median(
        r.get("mean_waiting_for_lock", 0) for r in book_runs[1:]), 2)
    book["mean_active"] = round(statistics.median(
        r.get("mean_active", 0) for r in book_runs[1:]), 2)
    for name, s in (("booking POST", book), ("cancel POST", cancel)):
        print(f"  {label:<9} {name:<12} {s['rps']:>8.1f} req/s  p50 {s['p50_ms']:>7.1f} ms  "
              f"p99 {s['p99_ms']:>7.1f} ms  (5xx {s['server_errors']}, "
              f"exhausted {sum(r['exhausted'] for r in s['runs'])}, "
              f"lock waits {s.get('mean_waiting_for_lock', '-')}/{s.get('mean_active', '-')}, "
              f"load {s['load_average_1min']})", flush=True)
        print("    CPU ms per request: " + ", ".join(
            f"{g} {v:.2f}" for g, v in s["cpu_ms_per_request"].items()), flush=True)
    bad = [c for c in checks if c["mismatched_sessions"]]
    if bad:
        print(f"  SEAT COUNT MISMATCH: {bad}", flush=True)
    return {"booking": book, "cancel": cancel, "seat_checks": checks}


def _add_cpu(total: dict[str, float], before: dict[str, float]) -> None:
    """Add each group's CPU seconds since ``before`` to ``total``."""
    for group, used in cpu_seconds_by_group().items():
        total[group] = total.get(group, 0.0) + used - before.get(group, 0.0)


def add_history(engine, world: dict, target: int) -> dict:
    """Top the booking history up to ``target`` rows: past sessions, 20 people each."""
    from sqlalchemy import text

    with engine.begin() as conn:
        if not world.get("history_users"):
            first = conn.scalar(text(
                "INSERT INTO users (uid, password_hash, active, created_at, session_version) "
                "SELECT md5('xq-history-' || g), '!', true, now(), 1 "
                "FROM generate_series(1, 2000) g RETURNING id"))
            world["history_users"] = (first, 2000)
        first_user, n_users = world["history_users"]
        have = conn.scalar(text("SELECT count(*) FROM bookings")) or 0
        missing = max(0, target - have)
        sessions = -(-missing // 20)
        done = world.get("history_sessions", 0)
        if sessions:
            base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
            conn.execute(text(
                "INSERT INTO sessions (centre_id, service_id, counsellor_id, room, starts_at, "
                "ends_at, capacity, booked, status, generated, created_at) "
                "SELECT :centre, (CAST(:services AS integer[]))[1 + g % 5], :counsellor, '', "
                "ts, ts + interval '50 minutes', 20, 0, 'scheduled', false, "
                "ts - interval '30 days' "
                "FROM (SELECT g, :base - make_interval(hours => g) AS ts "
                "      FROM generate_series(CAST(:lo AS integer), CAST(:hi AS integer)) g) x"),
                {"centre": world["centre"], "services": world["services"],
                 "counsellor": world["counsellor"], "base": base - timedelta(days=2),
                 "lo": done + 1, "hi": done + sessions})
            world["history_sessions"] = done + sessions
            conn.execute(text(
                "INSERT INTO bookings (uid, session_id, user_id, status, created_at, "
                "changed_at, cancelled_at) "
                "SELECT md5('xq-b-' || s.id || '-' || k), s.id, "
                ":u0 + ((s.id * 97 + k) % :nu), "
                "CASE WHEN k % 10 = 0 THEN 'cancelled' WHEN k % 10 = 1 THEN 'no_show' "
                "ELSE 'attended' END, s.starts_at - interval '5 days', s.starts_at, "
                "CASE WHEN k % 10 = 0 THEN s.starts_at - interval '2 days' END "
                "FROM sessions s CROSS JOIN generate_series(1, 20) k "
                "WHERE s.room = '' AND s.counsellor_id = :counsellor "
                "AND s.starts_at < now() - interval '1 day' "
                "AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.session_id = s.id)"),
                {"u0": first_user, "nu": n_users, "counsellor": world["counsellor"]})
            conn.execute(text(
                "UPDATE sessions SET booked = 18 WHERE room = '' AND counsellor_id = :c "
                "AND booked = 0 AND starts_at < now() - interval '1 day'"),
                {"c": world["counsellor"]})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # As a table in service would be: vacuumed and analysed, so that autovacuum does
        # not run over the fresh rows during the measurement.
        conn.execute(text("VACUUM (ANALYZE) bookings, sessions, users"))
        conn.execute(text("ANALYZE"))
        # And written out: the seeding and its vacuum leave hundreds of MB of WAL and dirty
        # pages (a 1M seed passes max_wal_size), whose checkpoint would otherwise write and
        # sync them during the next booking rounds. A table in service was not bulk-loaded
        # a minute ago (bench/README.md, Step 15d).
        conn.execute(text("CHECKPOINT"))
        rows = conn.scalar(text("SELECT count(*) FROM bookings"))
        session_rows = conn.scalar(text("SELECT count(*) FROM sessions"))
    return {"booking_rows": rows, "session_rows": session_rows}


# -- main --------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test",
                        help="a PostgreSQL server to create the scratch database on")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--sizes", default="10000,100000,1000000",
                        help="rows of booking history for the scale part")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--report-stats", type=int, default=10000,
                        help="de-identified statistics rows behind the dashboard")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a performance target is missed (seat counts "
                             "that disagree always fail)")
    parser.add_argument("--profile", metavar="DIR",
                        help="py-spy each phase's first run into DIR (collapsed stacks; "
                             "pip install -r bench/requirements.txt)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("make bench needs wrk, the HTTP load tool: sudo apt-get install -y wrk",
              file=sys.stderr)
        return 2

    import redis
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    started = time.monotonic()
    load_before = os.getloadavg()
    run_id = uuid.uuid4().hex[:8]
    name = f"xq_bench_{run_id}"
    admin_url = args.url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    redis_prefix = f"xqbench:{run_id}:"
    work = Path(tempfile.mkdtemp(prefix="xq-bench-"))
    try:
        keys = work / "keys.json"
        env = {**os.environ, "XINQING_CONFIG": "production", "DATABASE_URL": db_url,
               "SMS_PROVIDER": "tencent",  # production refuses the file provider; none is sent
               "REDIS_URL": args.redis, "SECRET_KEY": secrets.token_urlsafe(48),
               "XINQING_KEY_FILE": str(keys), "SESSION_REDIS_PREFIX": redis_prefix + "s:",
               "RATELIMIT_KEY_PREFIX": redis_prefix + "l",
               # The bench signs 34 accounts in from one address within a minute, and each
               # bench account books many sessions: the rules stay, the numbers are raised.
               "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT":
               "100 per minute", "BOOKING_MAX_UPCOMING": "100000"}
        os.environ.update(env)  # before config.py is imported: it reads them at import
        from app.security.keyring import KeyRing

        KeyRing.generate().save(keys)
        bench = Bench(args, work)
        results = bench.results
        results.update({
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"cpus": os.cpu_count(), "load_average_before": [
                round(x, 2) for x in load_before]},
            "database": "PostgreSQL (scratch database, dropped afterwards)",
            "clients": CLIENTS, "wrk_threads": THREADS, "runs": args.runs,
            "seconds_per_run": args.seconds, "targets": TARGETS,
        })
        print(f"make bench: load average {load_before[0]:.2f} on {os.cpu_count()} cores; "
              f"{CLIENTS} clients, median of {args.runs} runs of {args.seconds:g} s",
              flush=True)

        print("baseline: bench/bare_app.py under gunicorn.conf.py", flush=True)
        with Gunicorn("bench.bare_app:app", env, work / "bare.log", "/hello") as bare:
            results["gunicorn_workers"] = len(bare.worker_pids())
            bench.phase("bare_hello", bare.url, [("GET", "/hello", "", "")])
            bench.phase("bare_insert", bare.url, [("POST", "/insert", "", "note=x")],
                        ok_status=201)
            results["bare_memory"] = bare.worker_memory_mb()
            results["worker_boots"] = {"bare": bare.worker_boots()}

        print("building the scratch world", flush=True)
        world = build_world(args.report_stats)
        engine = create_engine(db_url)
        print("xinqing: wsgi:app under gunicorn.conf.py, production configuration",
              flush=True)
        with Gunicorn("wsgi:app", env, work / "app.log", "/healthz") as server:
            bench.server = server
            signed = sign_in_all(server.port, world)
            url = server.url
            bench.phase("home", url, [("GET", "/", "", "")])
            bench.phase("questionnaire", url, [("GET", "/screening/phq9", "", "")])
            bench.phase("result_history", url,
                        [("GET", "/screening/history", signed["reader"], "")])
            bench.phase("session_list", url, [("GET", "/booking", "", "")])
            bench.phase("social_worker_dashboard", url,
                        [("GET", "/reports/", signed["social"], "")])
            body = {c: screening_body(server.port, t) for c, t in signed["workers"]}
            bench.phase("screening_submission", url,
                        [("POST", "/screening/phq9", c, b) for c, b in body.items()],
                        ok_status=SEE_OTHER, ok_location="/screening/results/")
            results["memory_after_pages"] = server.worker_memory_mb()
            for size in [int(s) for s in args.sizes.split(",")]:
                shape = add_history(engine, world, size)
                label = f"{size // 1000}k" if size < 1_000_000 else f"{size // 1_000_000}M"
                entry = {"history_rows_target": size, **shape,
                         **booking_rounds(bench, server, engine, world, signed, label)}
                results["scale"].append(entry)
            results["memory"] = server.worker_memory_mb()
            results["worker_boots"]["app"] = server.worker_boots()
        engine.dispose()
        # The machine is shared and its load drifts: the baselines are measured again at
        # the end, and each ratio uses the median over both visits.
        print("baseline again", flush=True)
        with Gunicorn("bench.bare_app:app", env, work / "bare.log", "/hello") as bare:
            bench.phase("bare_hello", bare.url, [("GET", "/hello", "", "")])
            bench.phase("bare_insert", bare.url, [("POST", "/insert", "", "note=x")],
                        ok_status=201)
        results["ratios"] = ratios(results)
        results["wall_seconds"] = round(time.monotonic() - started, 1)
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{datetime.now(UTC).date().isoformat()}.json"
        path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        print(markdown(results))
        print(f"written to {path} in {results['wall_seconds']:.0f} s")
        met = results["ratios"]["targets_met"]
        if not met["seats"]:
            print("FAILED: a seat count disagreed with the active bookings", file=sys.stderr)
            return 1
        if not results["ratios"]["all_targets_met"]:
            print("targets missed: " + ", ".join(k for k, ok in met.items() if ok is False))
            return 1 if args.strict else 0
        return 0
    finally:
        try:
            r = redis.Redis.from_url(args.redis)
            keys = list(r.scan_iter(match=redis_prefix + "*", count=1000))
            keys += list(r.scan_iter(match="LIMITER*" + redis_prefix + "*", count=1000))
            if keys:
                r.delete(*keys)
        except redis.RedisError:
            pass
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(work, ignore_errors=True)


def ratios(results: dict) -> dict:
    """Ours over the baseline, and which of issue 21's targets are met."""
    phases = results["phases"]
    hello, insert = phases["bare_hello"]["rps"], phases["bare_insert"]["rps"]
    first = results["scale"][0] if results["scale"] else {}
    last = results["scale"][-1] if results["scale"] else {}
    gets = {k: round(phases[k]["rps"] / hello, 3) for k in GET_PAGES}
    posts = {"screening_submission": round(phases["screening_submission"]["rps"] / insert, 3)}
    # A page that finished no request inside a run has no p99 worth the name: it fails.
    p99 = {k: phases[k]["p99_ms"] if phases[k]["rps"] else float("inf") for k in GET_PAGES}
    if first:
        posts["booking"] = round(first["booking"]["rps"] / insert, 3)
        posts["cancel"] = round(first["cancel"]["rps"] / insert, 3)
    goals = TARGETS["ratio"]
    hello_p99 = phases["bare_hello"]["p99_ms"]
    met = {name: value >= goals[name] for name, value in {**gets, **posts}.items()}
    # The p99 rule holds only where the machine can meet it: the bare hello's own p99.
    met["p99"] = (all(v < TARGETS["p99_ms"] for v in p99.values())
                  if hello_p99 < TARGETS["p99_ms"] else None)
    rss = results["memory"]["rss_mb_max"]
    met["rss"] = rss < TARGETS["rss_mb"]
    growth = None
    if first and last and last is not first:
        growth = round(last["booking"]["rps"] / first["booking"]["rps"], 3)
        met["booking_at_scale"] = growth >= TARGETS["booking_growth_floor"]
    met["seats"] = all(not c["mismatched_sessions"] for s in results["scale"]
                       for c in s["seat_checks"])
    return {"get_vs_bare_hello": gets, "post_vs_bare_insert": posts, "p99_ms": p99,
            "bare_hello_p99_ms": hello_p99, "booking_largest_over_10k": growth,
            "worker_rss_mb_max": rss, "targets_met": met,
            "all_targets_met": all(v is not False for v in met.values())}


def markdown(results: dict) -> str:
    """The summary table for bench/README.md, each figure beside its target."""
    phases, r = results["phases"], results["ratios"]
    goals, met = TARGETS["ratio"], r["targets_met"]

    def mark(ok: bool | None) -> str:
        return "✓" if ok else ("—" if ok is None else "✗")

    rows = ["| what | req/s | p50 ms | p99 ms | ours / baseline | target |",
            "|---|---:|---:|---:|---:|---|"]
    for k in ("bare_hello", "bare_insert"):
        p = phases[k]
        rows.append(f"| {k} | {p['rps']:.0f} | {p['p50_ms']:.1f} | {p['p99_ms']:.1f} | — | |")
    limit = TARGETS["p99_ms"]
    for k, v in r["get_vs_bare_hello"].items():
        p = phases[k]
        p99_ok = None if met["p99"] is None else r["p99_ms"][k] < limit
        rows.append(f"| {k} | {p['rps']:.0f} | {p['p50_ms']:.1f} | {p['p99_ms']:.1f} | "
                    f"{v:.2f} × hello | ≥ {goals[k]:.2f} {mark(met[k])}, "
                    f"p99 < {limit:.0f} {mark(p99_ok)} |")
    posts = [("screening_submission", phases["screening_submission"])]
    if results["scale"]:
        first = results["scale"][0]
        posts += [("booking", first["booking"]), ("cancel", first["cancel"])]
    for k, p in posts:
        label = k if k == "screening_submission" else f"{k} (10k history)"
        rows.append(f"| {label} | {p['rps']:.0f} | {p['p50_ms']:.1f} | {p['p99_ms']:.1f} | "
                    f"{r['post_vs_bare_insert'][k]:.2f} × insert | "
                    f"≥ {goals[k]:.2f} {mark(met[k])} |")
    rows.append("")
    rows.append("| booking history rows | booking req/s | booking p99 ms | cancel req/s | "
                "cancel p99 ms | CPU ms per booking: app / PostgreSQL |")
    rows.append("|---:|---:|---:|---:|---:|---:|")
    for s in results["scale"]:
        cpu = s["booking"].get("cpu_ms_per_request", {})
        rows.append(f"| {s['booking_rows']:,} | {s['booking']['rps']:.0f} | "
                    f"{s['booking']['p99_ms']:.1f} | {s['cancel']['rps']:.0f} | "
                    f"{s['cancel']['p99_ms']:.1f} | {cpu.get('app', 0):.2f} / "
                    f"{cpu.get('postgres', 0):.2f} |")
    if r["booking_largest_over_10k"] is not None:
        rows.append(f"\nbooking at the largest history over 10k: "
                    f"{r['booking_largest_over_10k']:.2f} (target ≥ "
                    f"{TARGETS['booking_growth_floor']}) {mark(met['booking_at_scale'])}")
    m = results["memory"]
    rows.append("")
    boots = results.get("worker_boots", {})
    rows.append(f"gunicorn workers: {m['workers']} (started during the run, recycling "
                f"included: app {boots.get('app', '?')}, bare {boots.get('bare', '?')}), "
                f"RSS max {m['rss_mb_max']} MB "
                f"(peak {m['peak_rss_mb_max']} MB) {mark(met['rss'])}; bare hello p99 "
                f"{r['bare_hello_p99_ms']} ms (the p99 rule is judged only below {limit:.0f})")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
