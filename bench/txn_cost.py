"""CPU milliseconds of one database transaction through the app, and through plain SQLAlchemy.

The fixed cost that every page and POST touching the database pays (bench/README.md, Step
16b): on ``bench/page_cpu.py``'s scratch world (PostgreSQL, production configuration), inside
a request context, each timed call is one unit of work and the transaction's end, as a
request has them:

- ``select1``: ``SELECT 1`` through ``db.session``, then ``commit`` and ``remove``;
- ``select1_remove``: the same ended by ``remove`` alone (a read-only page's teardown: the
  rollback that ``app/read_only.py`` turns into a COMMIT);
- ``select1_orm_session``: a plain ``sqlalchemy.orm.Session(engine)`` on the same engine;
- ``select1_connection``: a plain ``engine.connect()``;
- ``load_user``: the signed-in person's load (``accounts.services.load_user``), as above;
- ``health_consent``: ``load_user`` then whether a worker who consented has their result
  kept, as the screening submission asks it (subtract ``load_user``).

Variants are timed in turn, ``--rounds`` times (``--n`` calls each, after a warm-up); each
figure is the median over the rounds of each round's median, and the differences that matter
(the app over a plain session, the consent check over ``load_user``) are medians of the
rounds' own differences, so a burst of load elsewhere hits both sides alike.

    .venv/bin/python bench/txn_cost.py [--tree /work/main] [--n 400] [--rounds 5]
        [--variants select1,load_user] [--cprofile select1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import page_cpu

VARIANTS = ("select1", "select1_remove", "select1_orm_session", "select1_connection",
            "load_user", "health_consent")
# What the app adds to a plain ORM session, what the ORM adds to a connection, and what the
# consent check adds to the person's load: each the median of the rounds' differences.
DIFFERENCES = (("select1", "select1_orm_session"), ("select1_orm_session", "select1_connection"),
               ("health_consent", "load_user"))


def measure(args: argparse.Namespace, _password: str, _world: dict) -> dict:
    """Median CPU ms per transaction of each variant."""
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from app import create_app
    from app.accounts import services
    from app.extensions import db
    from app.screening import services as screening

    app = create_app()
    with app.app_context():
        engine = db.engine
        worker = services.find_by_login("bench-w00@example.com")
        assert worker is not None
        assert screening.has_health_consent(worker)
        session_id = worker.get_id()
        db.session.remove()
    select1 = text("SELECT 1")

    def orm_session() -> None:
        with Session(engine) as session:
            session.execute(select1).all()
            session.commit()

    def connection() -> None:
        with engine.connect() as conn:
            conn.execute(select1).all()
            conn.commit()

    def consent() -> None:
        user = services.load_user(session_id)
        if hasattr(screening, "saving_for"):  # since Step 16b: one decision per submission
            assert screening.saving_for(user) is screening.Saving.KEPT
        else:  # a tree before it asked twice
            assert not screening.must_choose_consent(user)
            assert screening.saves_for(user)

    work: dict[str, tuple[Callable[[], object], bool]] = {  # (the work, commit before remove)
        "select1": (lambda: db.session.execute(select1).all(), True),
        "select1_remove": (lambda: db.session.execute(select1).all(), False),
        "select1_orm_session": (orm_session, False),
        "select1_connection": (connection, False),
        "load_user": (lambda: services.load_user(session_id), True),
        "health_consent": (consent, True),
    }
    chosen = args.variants.split(",")

    def once(variant: str) -> None:
        call, commit = work[variant]
        call()
        if commit:
            db.session.commit()
        db.session.remove()

    rounds: dict[str, list[float]] = {variant: [] for variant in chosen}
    with app.test_request_context("/"):
        for variant in chosen:
            for _ in range(50):
                once(variant)
        for _ in range(args.rounds):
            for variant in chosen:
                samples = []
                for _ in range(args.n):
                    started = time.process_time()
                    once(variant)
                    samples.append(time.process_time() - started)
                rounds[variant].append(statistics.median(samples) * 1000)
        if args.cprofile:
            _profile(args.cprofile, lambda: once(args.cprofile), args.n * 5)
    out: dict = {"n": args.n, "rounds": args.rounds, "cpu_ms_median": {}, "difference_ms": {}}
    for variant, figures in rounds.items():
        out["cpu_ms_median"][variant] = round(statistics.median(figures), 3)
        print(f"{variant:22s} {statistics.median(figures):.3f} ms  (rounds: "
              f"{', '.join(f'{x:.3f}' for x in figures)})", file=sys.stderr, flush=True)
    for more, less in DIFFERENCES:  # within each round, so that load hits both sides alike
        if more in rounds and less in rounds:
            gap = statistics.median(a - b for a, b in zip(rounds[more], rounds[less],
                                                          strict=True))
            out["difference_ms"][f"{more}-{less}"] = round(gap, 3)
            print(f"{more} - {less}: {gap:+.3f} ms", file=sys.stderr, flush=True)
    return out


def _profile(variant: str, call: Callable[[], None], n: int) -> None:
    """cProfile's table of ``n`` calls of ``variant``, CPU time as its clock."""
    import cProfile
    import pstats

    profile = cProfile.Profile(time.process_time)
    profile.enable()
    for _ in range(n):
        call()
    profile.disable()
    if os.environ.get("PSTATS"):
        profile.dump_stats(os.environ["PSTATS"])
    stats = pstats.Stats(profile, stream=sys.stderr)
    stats.sort_stats(os.environ.get("SORT", "tottime"))
    stats.print_stats(int(os.environ.get("TOP", "40")))


def arguments() -> argparse.ArgumentParser:
    """``bench/page_cpu.py``'s options (its world, ``--tree``, ``--n``) and this tool's."""
    parser = page_cpu.arguments(__doc__.splitlines()[0])
    parser.set_defaults(pages="floor", n=400)  # the world without the dashboard's statistics
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--rounds", type=int, default=5)
    return parser


if __name__ == "__main__":
    sys.exit(page_cpu.main(arguments(), measure))
