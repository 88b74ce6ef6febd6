"""``make bench-cluster``: two app servers behind nginx, one PostgreSQL, one Redis.

1. The scratch world of ``make bench`` (bench/run.py: database, Redis prefix, production
   configuration, 32 signed-in workers, 64 bookable sessions).
2. nginx (Debian's; ``apt-get install -y nginx-light``) on a free port, proxying as
   deploy/nginx.conf does (the same headers, ``TRUSTED_PROXY_HOPS=1``), without TLS.
3. The same figures with one app server upstream, then with two: the home page, the session
   list and a booking burst (32 clients). Each server is ``gunicorn -c gunicorn.conf.py`` with
   ``--workers`` sync workers (default 2, so that one server cannot use the whole machine).
4. With both servers, each of the 32 workers books ``--kill-bookings`` sessions at once (a
   Python client that keeps every answer); one server is killed with SIGKILL (master and
   workers) once a third of the answers are in. Nothing is lost when every booking a person
   was told succeeded is a confirmed row, every confirmed row beyond those is one whose
   answer died with the server (5xx or no answer), and every seat count equals its active
   bookings. nginx never retries a POST on the other server (deploy/nginx.conf).

Results: ``bench/results/cluster-<date>.json``.
"""

from __future__ import annotations

import argparse
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
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench

ROOT = bench.ROOT

NGINX_CONF = """
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
user root root;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/nginx-body;
    proxy_temp_path {work}/nginx-proxy;
    upstream xinqing_app {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 1m;
        location / {{
            proxy_pass http://xinqing_app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"""


class Nginx:
    """nginx in the foreground with a generated config; ``upstream(ports)`` reloads it."""

    def __init__(self, work: Path) -> None:
        self.work, self.port = work, bench.free_port()
        self.conf = work / "nginx.conf"
        self.proc: subprocess.Popen | None = None

    def upstream(self, ports: list[int]) -> None:
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;"
                            for p in ports)
        self.conf.write_text(NGINX_CONF.format(work=self.work, servers=servers, port=self.port))
        if self.proc is None:
            self.proc = subprocess.Popen(["nginx", "-c", str(self.conf), "-p", str(self.work),
                                          "-g", "daemon off;"], start_new_session=True)
            time.sleep(0.5)
        else:
            self.proc.send_signal(signal.SIGHUP)
            time.sleep(1.0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            self.proc.wait(10)


def figures(b: bench.Bench, url: str, label: str, world: dict, signed: dict, engine) -> dict:
    """Home page, session list and a booking burst through nginx."""
    out = {
        "home": b.phase(f"{label}_home", url, [("GET", "/", "", "")]),
        "session_list": b.phase(f"{label}_session_list", url, [("GET", "/booking", "", "")]),
    }
    book_lines = [("POST", f"/booking/sessions/{sid}/book", cookie, f"csrf_token={token}")
                  for sid in world["sessions"] for cookie, token in signed["workers"]]
    runs = []
    for _ in range(b.args.runs):
        bench.reset_bookings(engine, world)
        runs.append(bench.wrk(url, book_lines, mode="once", ok_status=bench.SEE_OTHER,
                              ok_location="/bookings/", seconds=b.args.seconds, work=b.work))
        bench.wait_idle(engine)
    out["booking"] = bench.summarise(runs)
    print(f"  {label} booking POST {out['booking']['rps']:>8.1f} req/s  "
          f"p99 {out['booking']['p99_ms']:.1f} ms", flush=True)
    return out


def _book(port: int, cookie: str, token: str, session_id: int) -> str:
    """One booking POST through nginx: "ok" (303 to the booking), "lost" (no answer or a
    5xx: the server died with it) or "other"."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", f"/booking/sessions/{session_id}/book",
                     body=f"csrf_token={token}",
                     headers={"X-Forwarded-Proto": "https", "Cookie": cookie,
                              "Referer": f"https://127.0.0.1:{port}/",
                              "Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        resp.read()
    except OSError:
        return "lost"
    finally:
        conn.close()
    if resp.status == bench.SEE_OTHER and "/bookings/" in (resp.getheader("Location") or ""):
        return "ok"
    return "lost" if resp.status >= 500 else "other"


def kill_run(b: bench.Bench, port: int, victim: bench.Gunicorn, world: dict, signed: dict,
             engine, per_worker: int) -> dict:
    """Every signed-in worker books ``per_worker`` sessions through nginx, all at once; one
    server is SIGKILLed (master and workers) once a third of the answers are in. Each
    (person, session) pair's answer is kept, then compared with the confirmed rows."""
    from sqlalchemy import text

    bench.reset_bookings(engine, world)
    total = len(signed["workers"]) * per_worker
    answers: dict[tuple[int, int], str] = {}
    lock = threading.Lock()
    killed = threading.Event()

    def person(i: int) -> None:
        cookie, token = signed["workers"][i]
        for sid in world["sessions"][:per_worker]:
            outcome = _book(port, cookie, token, sid)
            with lock:
                answers[(world["workers"][i], sid)] = outcome
                if len(answers) >= total // 3 and not killed.is_set():
                    killed.set()
                    assert victim.proc is not None
                    os.killpg(victim.proc.pid, signal.SIGKILL)  # the master and its workers

    started = time.monotonic()
    threads = [threading.Thread(target=person, args=(i,)) for i in range(len(signed["workers"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if victim.proc is not None:
        victim.proc.wait()
    bench.wait_idle(engine)
    with engine.connect() as conn:
        rows = {(r.user_id, r.session_id) for r in conn.execute(text(
            "SELECT user_id, session_id FROM bookings WHERE session_id = ANY(:s) "
            "AND status = 'confirmed'"), {"s": world["sessions"]})}
    seats = bench.seat_check(engine, world)
    ok = {pair for pair, outcome in answers.items() if outcome == "ok"}
    lost = {pair for pair, outcome in answers.items() if outcome == "lost"}
    return {
        "requests": total, "seconds": round(elapsed, 1), "killed": killed.is_set(),
        "answered_ok": len(ok), "answers_lost": len(lost),
        "other": sum(1 for o in answers.values() if o == "other"),
        "confirmed_rows": len(rows),
        "ok_without_row": len(ok - rows),  # a booking confirmed to a person but not kept
        "rows_of_lost_answers": len(rows & lost),  # made, but the answer died with the server
        "rows_never_asked": len(rows - ok - lost),
        "seats_counted": seats["seats_counted"],
        "mismatched_sessions": seats["mismatched_sessions"],
        "nothing_lost": (not ok - rows and not rows - ok - lost
                         and not seats["mismatched_sessions"]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--kill-bookings", type=int, default=8,
                        help="sessions each of the 32 workers books in the kill run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    args.profile = None
    for tool, package in (("wrk", "wrk"), ("nginx", "nginx-light")):
        if not shutil.which(tool):
            print(f"make bench-cluster needs {tool}: apt-get install -y {package}",
                  file=sys.stderr)
            return 2

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    load_before = os.getloadavg()
    run_id = uuid.uuid4().hex[:8]
    name = f"xq_bench_{run_id}"
    admin_url = args.url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    redis_prefix = f"xqbench:{run_id}:"
    work = Path(tempfile.mkdtemp(prefix="xq-cluster-"))
    nginx = Nginx(work)
    try:
        keys = work / "keys.json"
        env = {**os.environ, "XINQING_CONFIG": "production", "DATABASE_URL": db_url,
               "SMS_PROVIDER": "tencent", "REDIS_URL": args.redis,
               "SECRET_KEY": secrets.token_urlsafe(48), "XINQING_KEY_FILE": str(keys),
               "SESSION_REDIS_PREFIX": redis_prefix + "s:",
               "RATELIMIT_KEY_PREFIX": redis_prefix + "l", "TRUSTED_PROXY_HOPS": "1",
               "LOGIN_RATE_LIMIT": "1000 per minute", "LOGIN_ACCOUNT_RATE_LIMIT":
               "100 per minute", "BOOKING_MAX_UPCOMING": "100000",
               "GUNICORN_WORKERS": str(args.workers),
               "LIBRARY_SEED_AUDIO": "0"}  # no spoken exercises: seeding stays quick
        os.environ.update(env)
        from app.security.keyring import KeyRing

        KeyRing.generate().save(keys)
        b = bench.Bench(args, work)
        results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                         "machine": {"cpus": os.cpu_count(), "load_average_before": [
                             round(x, 2) for x in load_before]},
                         "workers_per_server": args.workers, "clients": bench.CLIENTS,
                         "runs": args.runs, "seconds_per_run": args.seconds}
        print(f"make bench-cluster: load average {load_before[0]:.2f} on {os.cpu_count()} "
              f"cores; {args.workers} workers per server", flush=True)
        world = bench.build_world(1000)
        engine = create_engine(db_url)
        with bench.Gunicorn("wsgi:app", env, work / "a.log", "/healthz") as a, \
                bench.Gunicorn("wsgi:app", env, work / "b.log", "/healthz") as second:
            nginx.upstream([a.port])
            signed = bench.sign_in_all(nginx.port, world)
            print("one app server behind nginx", flush=True)
            results["one_server"] = figures(b, nginx.url, "one", world, signed, engine)
            nginx.upstream([a.port, second.port])
            print("two app servers behind nginx", flush=True)
            results["two_servers"] = figures(b, nginx.url, "two", world, signed, engine)
            print("two servers, one killed with SIGKILL during a booking burst", flush=True)
            results["kill"] = kill_run(b, nginx.port, second, world, signed, engine,
                                       args.kill_bookings)
            k = results["kill"]
            print(f"  {k['requests']} bookings asked in {k['seconds']} s: ok {k['answered_ok']}, "
                  f"answers lost {k['answers_lost']}, confirmed rows {k['confirmed_rows']} "
                  f"(ok without a row {k['ok_without_row']}, rows of lost answers "
                  f"{k['rows_of_lost_answers']}), seat mismatches "
                  f"{len(k['mismatched_sessions'])}: nothing lost = {k['nothing_lost']}",
                  flush=True)
        engine.dispose()
        results["growth"] = {key: round(results["two_servers"][key]["rps"]
                                        / max(results["one_server"][key]["rps"], 0.1), 2)
                             for key in ("home", "session_list", "booking")}
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        print(f"two servers / one: {results['growth']}; load average "
              f"{results['load_average_after'][0]}", flush=True)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"cluster-{datetime.now(UTC).date().isoformat()}.json"
        path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        print(f"written to {path}")
        return 0 if results["kill"]["nothing_lost"] else 1
    finally:
        nginx.stop()
        try:
            import redis

            r = redis.Redis.from_url(args.redis)
            found = list(r.scan_iter(match=redis_prefix + "*", count=1000))
            found += list(r.scan_iter(match="LIMITER*" + redis_prefix + "*", count=1000))
            if found:
                r.delete(*found)
        except Exception:  # noqa: S110  (cleanup only)
            pass
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
