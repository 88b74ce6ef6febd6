"""``make bench-faults``: kill a worker, restart PostgreSQL, stop Redis, under load.

Starts its OWN PostgreSQL cluster (initdb into a temporary directory, on a free port, as
the ``postgres`` OS user) and its OWN redis-server on a free port, so the shared servers
on 5432 and 6379 are never touched; serves Xinqing from them with gunicorn and the
production configuration, and then:

a. kill -9 one gunicorn worker in the middle of a booking burst: every booking that got
   its success answer is in the database, no seat is counted twice (``sessions.booked``
   equals the active bookings and never exceeds the capacity), and the service answers
   again within seconds;
b. stop PostgreSQL for a few seconds during load, then start it: requests meanwhile get
   the translated 503 page (a JSON problem under /api/), never a 500 or a traceback, and
   the same app processes answer 200 again once it is back;
b2. restart PostgreSQL while no request runs: the requests after it all answer 200 (each
   worker's pooled connections are dead; app/pool_liveness.py replaces them unseen);
c. stop Redis during load: pages keep answering, rate limits fall back to per-process
   memory and sessions to "signed out", and the log says so once per worker process.

Exit status 0 when every check holds. Results go to bench/results/faults-<date>.json.
"""

from __future__ import annotations

import contextlib
import glob
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import run  # noqa: E402  (bench/run.py: gunicorn, client, the scratch world)


# -- private servers ---------------------------------------------------------------------------
class PrivatePostgres:
    """A throwaway cluster: initdb as ``postgres`` into a temp dir, on a free port."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: int(Path(p).parent.name))
        if not bins:
            raise SystemExit("bench-faults needs PostgreSQL's server binaries "
                             "(/usr/lib/postgresql/*/bin): apt-get install -y postgresql")
        self.bin = Path(bins[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="xq-faults-pg-"))
        self.data = self.dir / "data"
        self.port = run.free_port()
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to postgres
            shutil.chown(self.dir, "postgres", "postgres")

    def _as_postgres(self, *cmd: str) -> None:
        prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
        subprocess.run([*prefix, *cmd], check=True, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                          "-U", "postgres", "--no-sync")
        return self.start()

    def start(self) -> PrivatePostgres:
        self._as_postgres(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
            "-w", "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                        "-c fsync=off -c max_connections=100", "start")
        return self

    def stop(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                          "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """redis-server on a free port, no persistence; stopped and started by pid."""

    def __init__(self) -> None:
        self.port = run.free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        for _ in range(50):
            try:
                redis.Redis(port=self.port).ping()
                return self
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


# -- load --------------------------------------------------------------------------------------
def fetch(port: int, method: str, path: str, cookie: str = "", body: str | None = None
          ) -> tuple[int, str, str]:
    """One request; (status, Location, body) or (0, error, '') when the connection failed."""
    headers = {"X-Forwarded-Proto": "https", "Referer": f"https://127.0.0.1:{port}/"}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        conn.close()
        return resp.status, resp.getheader("Location") or "", text
    except OSError as exc:
        return 0, type(exc).__name__, ""


def loop(port: int, stop: threading.Event, requests: list, out: list) -> None:
    """Send ``requests`` round and round until ``stop``; record (time, path, status, body)."""
    i = 0
    while not stop.is_set():
        method, path, cookie, body = requests[i % len(requests)]
        status, location, text = fetch(port, method, path, cookie, body)
        out.append((time.monotonic(), path, status, location, text))
        i += 1


# -- the drills --------------------------------------------------------------------------------
def drill_worker_kill(server: run.Gunicorn, engine, world: dict, signed: dict) -> dict:
    """Kill -9 one worker mid-burst; check every 2xx booking and every seat count."""
    from sqlalchemy import text

    small = world["sessions"][:8]  # eight sessions of 10 seats: the last seats are contested
    with engine.begin() as conn:
        conn.execute(text("UPDATE sessions SET capacity = 10 WHERE id = ANY(:s)"), {"s": small})
    results: list = []
    lock = threading.Lock()

    def person(i: int) -> None:
        cookie, token = signed["workers"][i]
        for sid in world["sessions"][:12]:
            status, location, _ = fetch(server.port, "POST", f"/booking/sessions/{sid}/book",
                                        cookie, f"csrf_token={token}")
            with lock:
                results.append((sid, i, status, location))

    victim = server.worker_pids()[0]
    with ThreadPoolExecutor(len(signed["workers"])) as pool:
        futures = [pool.submit(person, i) for i in range(len(signed["workers"]))]
        time.sleep(1.5)
        killed_at = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        answered_again = respawned = None  # measured while the burst goes on
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (answered_again is None or respawned is None):
            if answered_again is None and fetch(server.port, "GET", "/healthz")[0] == 200:
                answered_again = round(time.monotonic() - killed_at, 2)
            pids = server.worker_pids()
            if respawned is None and len(pids) >= run_workers(server) and victim not in pids:
                respawned = round(time.monotonic() - killed_at, 2)
            time.sleep(0.1)
        for f in futures:
            f.result()
    ok_uids = [loc.rsplit("/", 1)[-1] for _, _, status, loc in results
               if status == 302 and "/bookings/" in loc]
    with engine.connect() as conn:
        found = set(conn.execute(text(
            "SELECT uid FROM bookings WHERE uid = ANY(:u) AND status IN ('requested', "
            "'confirmed')"), {"u": ok_uids}).scalars())
        seats = conn.execute(text(
            "SELECT s.id, s.booked, s.capacity, count(b.id) FILTER (WHERE b.status IN "
            "('requested', 'confirmed', 'checked_in', 'attended', 'no_show')) AS active "
            "FROM sessions s LEFT JOIN bookings b ON b.session_id = s.id "
            "WHERE s.id = ANY(:s) GROUP BY s.id"), {"s": world["sessions"]}).all()
        in_db = conn.scalar(text("SELECT count(*) FROM bookings WHERE session_id = ANY(:s) "
                                 "AND status = 'confirmed'"), {"s": world["sessions"]})
    missing = [u for u in ok_uids if u not in found]
    wrong = [r.id for r in seats if r.booked != r.active or r.booked > r.capacity]
    statuses: dict[str, int] = {}
    for *_, status, _ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    report = {
        "attempts": len(results), "statuses": statuses, "success_answers": len(ok_uids),
        "bookings_in_database": in_db, "success_answers_missing_in_database": len(missing),
        "sessions_with_wrong_seat_count": wrong,
        "full_small_sessions": sum(1 for r in seats if r.id in small and r.booked == 10),
        "healthz_200_after_kill_s": answered_again, "worker_respawned_after_s": respawned,
    }
    report["passed"] = bool(not missing and not wrong and answered_again is not None
                            and answered_again < 10 and respawned is not None)
    return report


def run_workers(server: run.Gunicorn) -> int:
    return int(server.env.get("GUNICORN_WORKERS") or (os.cpu_count() or 1) * 2 + 1)


def first_traceback(log: Path) -> str | None:
    """The first traceback in the app's log, if any (for the report)."""
    text = log.read_text(errors="replace")
    start = text.find("Traceback")
    if start < 0:
        return None
    return text[max(0, text.rfind("\n", 0, start - 1) - 300):start + 4000]


def drill_postgres_restart(server: run.Gunicorn, pg: PrivatePostgres, signed: dict,
                           down_seconds: float = 4) -> dict:
    """Stop PostgreSQL under load, start it again; look at every answer meanwhile."""
    reader = signed["workers"][0][0]
    requests = [("GET", "/", "", None), ("GET", "/booking?lang=en", "", None),
                ("GET", "/bookings", reader, None), ("GET", "/api/v1/centres", "", None)]
    stop, out = threading.Event(), []
    threads = [threading.Thread(target=loop, args=(server.port, stop, requests, out))
               for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(2)
    stopped_at = time.monotonic()
    pg.stop()
    time.sleep(down_seconds)
    pg.start()
    started_at = time.monotonic()
    time.sleep(8)
    stop.set()
    for t in threads:
        t.join()
    during = [r for r in out if stopped_at <= r[0] < started_at]
    after = [r for r in out if r[0] >= started_at]
    first_ok = next((r[0] for r in after if r[2] == 200), None)
    pages_503 = [r for r in out if r[2] == 503 and not r[1].startswith("/api/")]
    api_503 = [r for r in out if r[2] == 503 and r[1].startswith("/api/")]
    statuses: dict[str, int] = {}
    for r in out:
        statuses[str(r[2])] = statuses.get(str(r[2]), 0) + 1
    clear = all(("服务暂时不可用" in r[4] or "briefly unavailable" in r[4])
                and "Traceback" not in r[4] for r in pages_503)
    problems_ok = all(json.loads(r[4]).get("status") == 503 for r in api_503)
    tail = [r for r in after if r[0] >= started_at + 5]
    report = {
        "requests": len(out), "statuses": statuses, "during_outage": len(during),
        "pages_503": len(pages_503), "api_503": len(api_503),
        "every_503_page_translated_without_traceback": clear,
        "every_api_503_a_problem_object": problems_ok,
        "server_errors_500": statuses.get("500", 0),
        "first_200_after_start_s": round(first_ok - started_at, 2) if first_ok else None,
        # 429: the API's own limit for anonymous callers, which keeps counting throughout
        "all_200_from_5s_after_start": all(r[2] in (200, 302, 429) for r in tail),
    }
    report["paths_with_500"] = sorted({r[1] for r in out if r[2] == 500})
    report["passed"] = bool(pages_503 and clear and problems_ok and report["server_errors_500"]
                            == 0 and first_ok is not None and report[
                                "all_200_from_5s_after_start"])
    return report


def drill_postgres_restart_while_idle(server: run.Gunicorn, pg: PrivatePostgres,
                                      signed: dict) -> dict:
    """Restart PostgreSQL while no request runs: the first requests after it must not fail.

    Every worker's pool then holds connections the server ended; app/pool_liveness.py finds
    each at checkout and connects afresh, so no request meets one (without a check, each
    worker's first request would answer 503).
    """
    reader = signed["workers"][0][0]
    requests = [("GET", "/bookings", reader, None), ("GET", "/booking?lang=en", "", None),
                ("GET", "/", "", None)]

    def burst(seconds: float) -> list:
        stop, out = threading.Event(), []
        threads = [threading.Thread(target=loop, args=(server.port, stop, requests, out))
                   for _ in range(6)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        stop.set()
        for t in threads:
            t.join()
        return out

    burst(2)  # every worker's pool holds connections
    pg.stop()
    pg.start()
    time.sleep(0.5)
    out = burst(3)
    statuses: dict[str, int] = {}
    for r in out:
        statuses[str(r[2])] = statuses.get(str(r[2]), 0) + 1
    report = {"requests": len(out), "statuses": statuses,
              "not_200": sorted({f"{r[2]} {r[1]}" for r in out if r[2] not in (200, 429)})}
    report["passed"] = bool(out) and not report["not_200"]
    return report


def drill_redis_down(server: run.Gunicorn, rds: PrivateRedis, log: Path) -> dict:
    """Stop Redis under load: pages keep answering; limits and sessions fall back, logged."""
    before = log.read_text(errors="replace")
    # /api/v1/centres is rate limited per address, so each call counts in the limiter's
    # storage. Forms cannot be sent meanwhile: their CSRF secret lives in the session.
    requests = [("GET", "/", "", None), ("GET", "/screening/phq9", "", None),
                ("GET", "/account/login", "", None), ("GET", "/api/v1/centres", "", None)]
    rds.stop()
    stop, out = threading.Event(), []
    threads = [threading.Thread(target=loop, args=(server.port, stop, requests, out))
               for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(6)
    stop.set()
    for t in threads:
        t.join()
    rds.start()
    time.sleep(0.5)
    logged = log.read_text(errors="replace")[len(before):]
    statuses: dict[str, int] = {}
    for r in out:
        key = f"{r[1]} {r[2]}"
        statuses[key] = statuses.get(key, 0) + 1
    gets_ok = all(r[2] in (200, 429) for r in out)
    fallback_lines = logged.count("falling back to in-memory storage")
    workers = run_workers(server)
    report = {
        "requests": len(out), "statuses": statuses,
        "server_errors": sum(1 for r in out if r[2] >= 500 or r[2] == 0),
        "limiter_fallback_log_lines": fallback_lines,
        "session_store_log_lines": logged.count("session store unavailable"),
        "workers": workers, "traceback_in_log": "Traceback" in logged,
    }
    report["passed"] = bool(report["server_errors"] == 0 and gets_ok
                            and 1 <= fallback_lines <= workers
                            and not report["traceback_in_log"])
    return report


def main() -> int:
    only = sys.argv[1:]  # names of drills to run; all when empty
    pg, rds = PrivatePostgres(), PrivateRedis()
    work = Path(tempfile.mkdtemp(prefix="xq-faults-"))
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                     "load_average_before": [round(x, 2) for x in os.getloadavg()]}
    try:
        print(f"private PostgreSQL on port {pg.port}, private Redis on port {rds.port}",
              flush=True)
        pg.init()
        rds.start()
        from sqlalchemy import create_engine, text

        admin = create_engine(pg.url.replace("postgresql://", "postgresql+psycopg://"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE xinqing"))
        admin.dispose()
        db_url = pg.url.rsplit("/", 1)[0] + "/xinqing"
        env = {**os.environ, "XINQING_CONFIG": "production", "DATABASE_URL": db_url,
               "SMS_PROVIDER": "tencent",  # production refuses the file provider; none is sent
               "REDIS_URL": rds.url, "SECRET_KEY": secrets.token_urlsafe(48),
               "XINQING_KEY_FILE": str(work / "keys.json"),
               "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT":
               "100 per minute", "BOOKING_MAX_UPCOMING": "100000"}
        os.environ.update(env)
        from app.security.keyring import KeyRing

        KeyRing.generate().save(work / "keys.json")
        world = run.build_world(1000)
        engine = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
        log = work / "app.log"
        with run.Gunicorn("wsgi:app", env, log, "/healthz") as server:
            signed = run.sign_in_all(server.port, world)
            for name, drill in (
                    ("worker_kill_during_booking_burst",
                     lambda: drill_worker_kill(server, engine, world, signed)),
                    ("postgres_restart_during_load",
                     lambda: drill_postgres_restart(server, pg, signed)),
                    ("postgres_restart_while_idle",
                     lambda: drill_postgres_restart_while_idle(server, pg, signed)),
                    ("redis_down_during_load", lambda: drill_redis_down(server, rds, log))):
                print(f"{name} ...", flush=True)
                if only and name not in only:
                    continue
                results[name] = drill()
                results[name]["traceback"] = first_traceback(log)
                shown = {k: v for k, v in results[name].items()
                         if k not in ("passed", "traceback")}
                print(f"  {'PASS' if results[name]['passed'] else 'FAIL'} "
                      f"{json.dumps(shown, ensure_ascii=False)}", flush=True)
                engine.dispose()
        results["passed"] = all(results[k]["passed"] for k in results
                                if isinstance(results[k], dict) and "passed" in results[k])
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        out = ROOT / "bench" / "results" / f"faults-{datetime.now(UTC).date().isoformat()}.json"
        out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        print(f"{'ALL PASSED' if results['passed'] else 'FAILED'}; written to {out}")
        return 0 if results["passed"] else 1
    finally:
        rds.stop()
        pg.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
