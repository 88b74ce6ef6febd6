"""CPU milliseconds per request of the benched pages, measured in-process.

Cheaper and steadier than wrk on a loaded machine: builds the same scratch world as
``bench/run.py`` (PostgreSQL, production configuration, Redis sessions), signs the bench
reader and a bench worker in through the test client, then times each page's request with
``time.process_time`` (this process's CPU only: PostgreSQL and Redis work in their own
processes is not counted) and prints the median of ``--n`` requests after a warm-up, with
PostgreSQL's CPU and the session records written per request.

    .venv/bin/python bench/page_cpu.py --n 60 [--tree /work/main] [--profile home]

``hello`` is the baseline's ``GET /hello`` (a bare Flask app) through the same test client,
so that a page's figure minus hello's is the app's own work; ``home_first_visit`` and
``questionnaire_first_visit`` send no cookie, as wrk does. Each page also reports its mean and
the garbage collector's passes by generation.

``--instructions`` counts the worker's instructions per request under valgrind's callgrind
instead (``bench/callgrind.py``): slower, but the same figure for the same code however loaded
the machine is, so a small change shows without a pair of interleaved runs.

``--tree`` measures another checkout's code (its ``app``, its schema from its own
migrations) with this script, so that a before/after pair runs back to back on the same
machine. ``--history N`` first seeds ``make bench``'s booking history of N rows.
``--profile NAME`` prints a pyinstrument tree for that page instead of timing only (``pip
install -r bench/requirements.txt``). ``--cprofile NAME`` prints cProfile's table for that page
with CPU time as its clock (``SORT=tottime``, ``TOP=40``; ``PSTATS=file`` keeps it).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RADIO = re.compile(r'type="radio"[^>]*name="([^"]+)" value="(-?\d+)"')
PAGES = ("home", "questionnaire", "questionnaire_first_visit", "result_history",
         "session_list", "session_list_signed_in", "screening_submission", "dashboard",
         "booking_post", "cancel_post")
DASHBOARD_STATS = 10000  # bench/run.py's --report-stats default


def arguments(description: str = __doc__.splitlines()[0]) -> argparse.ArgumentParser:
    """The options of this script (``bench/txn_cost.py`` adds its own to them)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--n", type=int, default=60)
    parser.add_argument("--tree", default=str(HERE.parent),
                        help="the checkout whose app is measured")
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--profile", help="print a pyinstrument tree for this page")
    parser.add_argument("--cprofile", help="print cProfile's CPU-time table for this page")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--instructions", action="store_true",
                        help="count the worker's instructions per request under valgrind's "
                        "callgrind instead of timing (bench/callgrind.py): the same for the "
                        "same code whatever the machine's load")
    parser.add_argument("--explain", help="print PostgreSQL's planning and execution time "
                        "of each statement one request of these pages (comma-separated) sends")
    parser.add_argument("--history", type=int, default=0,
                        help="rows of booking history to seed first, as make bench's scale "
                        "part does (bench/run.py add_history), e.g. 10000 or 1000000")
    return parser


def main(parser: argparse.ArgumentParser | None = None, measure_with=None) -> int:
    """Build the scratch world, run ``measure_with`` (this script's ``measure``) on it, print
    its figures as JSON, and drop the world."""
    args = (parser or arguments()).parse_args()
    tree = Path(args.tree).resolve()
    sys.path.insert(0, str(HERE))
    import callgrind

    if args.instructions and not os.environ.get(callgrind.ENV):
        return _count_instructions(args, callgrind)
    import run  # puts this checkout first on the path: the measured tree goes before it

    sys.path.insert(0, str(tree))
    os.chdir(tree)
    run.ROOT = tree  # the measured tree's own migrations build its schema
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"xq_bench_cpu_{uuid.uuid4().hex[:8]}"
    admin_url = args.url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    work = Path(tempfile.mkdtemp(prefix="xq-cpu-"))
    try:
        db_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        os.environ.update({"XINQING_CONFIG": "production", "DATABASE_URL": db_url,
                           "SMS_PROVIDER": "tencent", "REDIS_URL": args.redis,
                           "SECRET_KEY": secrets.token_urlsafe(48),
                           "XINQING_KEY_FILE": str(work / "keys.json"),
                           "SESSION_REDIS_PREFIX": f"xqcpu:{name}:s:",
                           "RATELIMIT_KEY_PREFIX": f"xqcpu:{name}:l",
                           "LOGIN_RATE_LIMIT": "1000 per minute",
                           "LOGIN_ACCOUNT_RATE_LIMIT": "100 per minute",
                           "BOOKING_MAX_UPCOMING": "100000"})
        from app.security.keyring import KeyRing

        KeyRing.generate().save(work / "keys.json")
        # The dashboard reads 10k statistics rows, as ``make bench``'s default world.
        world = run.build_world(DASHBOARD_STATS if "dashboard" in args.pages.split(",")
                                else 100)
        if args.history:
            _seed_history(run, db_url, world, args.history)
        figures = (measure_with or measure)(args, run.PASSWORD, world)
        figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
        figures["tree"] = str(tree)
        import app as measured

        assert Path(measured.__file__).is_relative_to(tree), measured.__file__
        print(json.dumps(figures))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


def measure(args: argparse.Namespace, password: str, world: dict) -> dict:
    """Median CPU ms per request of each page (and the first warm-up's, for contrast)."""
    from callgrind import Meter

    from app import create_app

    meter = Meter()
    app = create_app()
    base = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/",
                                                          "X-Forwarded-Proto": "https"}}

    def signed_in(login: str):
        client = app.test_client()
        page = client.get("/account/login", **base).get_data(as_text=True)
        token = CSRF.search(page).group(1)
        resp = client.post("/account/login", data={"login": login, "password": password,
                                                    "csrf_token": token}, **base)
        assert resp.status_code in (302, 303), resp.status_code
        return client

    anonymous = app.test_client()
    hello = _bare_hello().test_client(use_cookies=False)
    cookieless = app.test_client(use_cookies=False)  # never sends one back, as wrk
    reader = signed_in("bench-reader@example.com")
    worker = signed_in("bench-w00@example.com")
    form = worker.get("/screening/phq9", **base).get_data(as_text=True)
    body: dict[str, str] = {"csrf_token": CSRF.search(form).group(1)}
    for field, value in RADIO.findall(form):
        body.setdefault(field, value)

    dashboard = _dashboard_client(app, base, password, world)

    def submit():
        resp = worker.post("/screening/phq9", data=body, **base)
        assert resp.status_code in (302, 303), resp.status_code
        assert "/screening/results/" in resp.location, resp.location
        return resp

    requests = {
        "home": lambda: anonymous.get("/", **base),
        "questionnaire": lambda: anonymous.get("/screening/phq9", **base),
        "result_history": lambda: reader.get("/screening/history", **base),
        "session_list": lambda: anonymous.get("/booking", **base),
        "session_list_signed_in": lambda: worker.get("/booking", **base),
        "screening_submission": submit,
        # The fixed floor: a trivial public route through every hook, with a session cookie.
        "floor": lambda: anonymous.get("/.well-known/security.txt", **base),
        # The same for a signed-in worker: the session, the person and their roles loaded.
        "floor_signed_in": lambda: worker.get("/.well-known/security.txt", **base),
        # A small signed-in page: the floor plus base.html with the signed-in menu.
        "privacy_signed_in": lambda: worker.get("/account/privacy", **base),
        # As wrk asks (make bench's questionnaire phase): no cookie, so each visit starts a
        # session for its CSRF secret.
        "questionnaire_first_visit": lambda: cookieless.get("/screening/phq9", **base),
        # make bench's home phase: no cookie either.
        "home_first_visit": lambda: cookieless.get("/", **base),
        # The baseline's page (bench/bare_app.py's GET /hello) through the same test client:
        # what is left above it is our app's own work.
        "hello": lambda: hello.get("/hello", **base),
        "dashboard": lambda: dashboard.get("/reports/", **base),
    }
    # Untimed steps run before each timed request of a page (see _booking_pages).
    prepare: dict = {}
    _booking_pages(app, signed_in("bench-w01@example.com"), base, requests, prepare)
    out: dict = {"n": args.n, "cpu_ms_median": {}, "cpu_ms_p90": {}}
    for page in args.pages.split(","):
        call = requests[page]
        for _ in range(5):
            if page in prepare:
                prepare[page]()
            assert call().status_code in (200, 302, 303)
        if page in (args.explain or "").split(","):
            _explain(app, call, prepare.get(page))
        gc.collect()  # each page's collections start from the same count, whatever ran before
        if page == args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
        if page == args.cprofile:
            import cProfile

            cprof = cProfile.Profile(time.process_time)
            cprof.enable()
        samples = []
        gc_before = [generation["collections"] for generation in gc.get_stats()]
        pg_before, records_before = _pg_cpu(app), _session_records(app)
        for _ in range(args.n):
            if page in prepare:
                prepare[page]()
            started = time.process_time()
            meter.around(call)
            samples.append((time.process_time() - started) * 1000)
        meter.page_done(page)
        if page == args.profile:
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False),
                  file=sys.stderr)
        if page == args.cprofile:
            import pstats

            cprof.disable()
            if os.environ.get("PSTATS"):
                cprof.dump_stats(os.environ["PSTATS"])
            stats = pstats.Stats(cprof, stream=sys.stderr)
            stats.sort_stats(os.environ.get("SORT", "cumulative"))
            stats.print_stats(int(os.environ.get("TOP", "70")))
        gc_runs = [generation["collections"] - before
                   for generation, before in zip(gc.get_stats(), gc_before, strict=True)]
        pg_after = _pg_cpu(app)
        out.setdefault("session_records_written", {})[page] = round(
            (_session_records(app) - records_before) / args.n, 2)
        if pg_before is not None and pg_after is not None:
            out.setdefault("pg_cpu_ms_mean", {})[page] = round(
                (pg_after - pg_before) * 1000 / args.n, 2)
        samples.sort()
        out["cpu_ms_median"][page] = round(statistics.median(samples), 2)
        out["cpu_ms_p90"][page] = round(samples[int(len(samples) * 0.9)], 2)
        # The mean is what a server's CPU per request is (make bench divides CPU seconds by
        # requests): it counts the garbage collector's rare long passes, which the median
        # leaves out.
        out.setdefault("cpu_ms_mean", {})[page] = round(statistics.fmean(samples), 2)
        out.setdefault("gc_collections", {})[page] = gc_runs
        print(f"{page}: {out['cpu_ms_median'][page]} ms (mean {out['cpu_ms_mean'][page]}, "
              f"gc passes by generation {gc_runs}), PostgreSQL "
              f"{out.get('pg_cpu_ms_mean', {}).get(page)} ms, new session records "
              f"{out['session_records_written'][page]} per request", file=sys.stderr,
              flush=True)
    return out


def _count_instructions(args: argparse.Namespace, callgrind) -> int:
    """Run this script again under callgrind and print the worker's instructions per request
    of each page (millions), and each as a multiple of the bare hello's when it was counted."""
    per_request = callgrind.rerun_under_valgrind([__file__, *sys.argv[1:]], args.n)
    figures: dict = {"n": args.n, "instructions_per_request": {
        page: round(per_request[page]) for page in args.pages.split(",")}}
    hello = per_request.get("hello")
    for page in args.pages.split(","):
        count = per_request[page]
        times = f", {count / hello:.1f} x hello" if hello else ""
        print(f"{page}: {count / 1e6:.3f} M instructions per request{times}", file=sys.stderr)
    print(json.dumps(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


def _seed_history(run, db_url: str, world: dict, rows: int) -> None:
    """``make bench``'s booking history (past sessions of the bench counsellor, 20 people
    each), vacuumed and analysed as there; prints how long the seeding took."""
    from sqlalchemy import create_engine

    started = time.monotonic()
    engine = create_engine(db_url)
    try:
        shape = run.add_history(engine, world, rows)
    finally:
        engine.dispose()
    print(f"history: {shape} seeded in {time.monotonic() - started:.1f} s", file=sys.stderr,
          flush=True)


def _bare_hello():
    """A bare Flask app answering ``GET /hello`` as bench/bare_app.py does (without its
    database engine, which the hello never touches)."""
    from flask import Flask

    bare = Flask("bare_hello")
    bare.add_url_rule("/hello", "hello", lambda: "hello")
    return bare


def _session_records(app) -> int:
    """How many session records Redis holds for this world: the difference over a page's
    timed requests (and their untimed preparation) is the records they wrote. (Redis's own
    CPU cannot be told apart here: other sessions share the server.)"""
    store = app.session_interface.store
    return sum(1 for _ in store.redis.scan_iter(f"{store.prefix}s:*", count=1000))


def _pg_cpu(app) -> float | None:
    """CPU seconds (user + system) used so far by the PostgreSQL backends serving this
    world's database (read from ``/proc``; None where that is not possible): the
    difference over a page's timed requests is PostgreSQL's own CPU for them."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        pids = db.session.scalars(text(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).all()
        if os.environ.get("SHOW_PREPARED"):  # what this connection keeps prepared
            for row in db.session.execute(text(
                    "SELECT generic_plans, custom_plans, left(statement, 70)"
                    " FROM pg_prepared_statements")):
                print("prepared:", tuple(row), file=sys.stderr)
        db.session.rollback()
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


# Writes too, each undone right after it is explained: a cancel's dearest statement was a
# DELETE (bench/README.md Step 13c), which a SELECT-only replay never showed.
_EXPLAINED = ("SELECT", "WITH", "UPDATE", "DELETE", "INSERT")


def _explain(app, call, prepare=None, repeat: int = 20) -> None:
    """PostgreSQL's own time for one request's statements (``--explain PAGE``).

    Catches each statement and its parameters as the page sends them, then runs
    ``EXPLAIN (ANALYZE, BUFFERS)`` of each ``repeat`` times on a connection of its own (a
    write in a transaction rolled back; it replays on the state the request left) and
    prints the median planning and execution milliseconds (the server's clock), the
    buffers touched, and whether two requests send the same SQL text (psycopg prepares a
    statement only after ``prepare_threshold`` runs of identical text on a connection).
    """
    import psycopg
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    texts: list[list[tuple[str, object]]] = [[], []]

    for attempt in texts:
        def catch(conn, cursor, statement, parameters, context, executemany,
                  _into=attempt) -> None:
            _into.append((statement, parameters))

        if prepare is not None:  # e.g. the booking a cancel_post takes back
            prepare()
        event.listen(engine, "before_cursor_execute", catch)
        try:
            call()
        finally:
            event.remove(engine, "before_cursor_execute", catch)
    same = [a == b for (a, _), (b, _) in zip(texts[0], texts[1], strict=False)]
    print(f"{len(texts[0])} statements; same SQL text in two requests: {same}",
          file=sys.stderr)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for n, (statement, parameters) in enumerate(texts[1]):
            if not statement.lstrip().upper().startswith(_EXPLAINED):
                continue
            plans, runs, shared = [], [], 0
            try:
                for _ in range(repeat):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement,
                                   parameters)
                    (plan,) = cursor.fetchone()[0]
                    raw.rollback()  # a write explained is a write made: undone at once
                    plans.append(plan["Planning Time"])
                    runs.append(plan["Execution Time"])
                    shared = plan["Plan"].get("Shared Hit Blocks", 0)
            except psycopg.IntegrityError as exc:  # an INSERT of a value made unique
                raw.rollback()
                print(f"#{n}: not replayed ({type(exc).__name__}): "
                      f"{' '.join(statement.split())[:120]}", file=sys.stderr)
                continue
            print(f"#{n}: planning {statistics.median(plans):.3f} ms, execution "
                  f"{statistics.median(runs):.3f} ms, shared hits {shared}: "
                  f"{' '.join(statement.split())[:160]}", file=sys.stderr)
            if os.environ.get("PLANS"):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                print("\n".join(r[0] for r in cursor.fetchall()), file=sys.stderr)
                raw.rollback()
    finally:
        raw.close()


def _dashboard_client(app, base: dict, password: str, world: dict):
    """The bench social worker signed in with the second factor, as ``bench/run.py`` does:
    the dashboard (``GET /reports/``) is what ``make bench`` measures for it."""
    import pyotp

    client = app.test_client()
    page = client.get("/account/login", **base).get_data(as_text=True)
    resp = client.post("/account/login", data={
        "login": "bench-social@example.com", "password": password,
        "csrf_token": CSRF.search(page).group(1)}, **base)
    assert resp.status_code in (302, 303), resp.status_code
    page = client.get("/account/mfa", **base).get_data(as_text=True)
    resp = client.post("/account/mfa", data={
        "code": pyotp.TOTP(world["social_secret"]).now(),
        "csrf_token": CSRF.search(page).group(1)}, **base)
    assert resp.status_code in (302, 303), resp.status_code
    assert "mfa" not in resp.location, resp.location
    assert client.get("/reports/", **base).status_code == 200
    return client


def _booking_pages(app, client, base: dict, requests: dict, prepare: dict) -> None:
    """``booking_post`` and ``cancel_post``: one worker books the world's 64 lecture
    sessions in turn and cancels them again (the seat, limit checks, the two outbox
    messages with their calendar's facts, statistics, audit). Each timed request finds what
    it needs (a session free to book, a booking to cancel) made by an untimed step."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        sessions = list(db.session.scalars(text(
            "SELECT s.id FROM sessions s JOIN services v ON v.id = s.service_id "
            "WHERE v.code = 'lecture' AND s.room = 'Bench' ORDER BY s.id")))
    page = client.get("/screening/phq9", **base).get_data(as_text=True)
    token = {"csrf_token": CSRF.search(page).group(1)}
    free = list(sessions)  # sessions this worker holds no booking of
    held: list[tuple[int, str]] = []  # (session, booking uid), oldest first

    def book():
        sid = free.pop(0)
        resp = client.post(f"/booking/sessions/{sid}/book", data=token, **base)
        assert resp.status_code in (302, 303), resp.status_code
        assert "/bookings/" in resp.location, resp.location
        held.append((sid, resp.location.rsplit("/", 1)[1]))
        return resp

    def cancel():
        sid, uid = held.pop(0)
        resp = client.post(f"/bookings/{uid}/cancel", data=token, **base)
        assert resp.status_code in (302, 303), resp.status_code
        free.append(sid)
        return resp

    def read_flashes() -> None:
        """A person follows the redirect and sees the flashed message, which leaves the
        session; unread, the flashes would pile up and grow every request's session."""
        with client.session_transaction() as session:
            session.pop("_flashes", None)

    def ready(step) -> None:
        read_flashes()
        step()
        read_flashes()

    requests["booking_post"], requests["cancel_post"] = book, cancel
    prepare["booking_post"] = lambda: ready(lambda: None if free else cancel())
    prepare["cancel_post"] = lambda: ready(lambda: None if held else book())


if __name__ == "__main__":
    sys.exit(main())
