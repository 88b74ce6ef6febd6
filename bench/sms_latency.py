"""Code-to-SMS latency: how long after a sign-in code is requested it reaches the provider.

Runs ``flask outbox send --watch`` as its own process (as deployed), then requests codes
for fresh numbers the way the page does (``phone_codes.request_code``, which commits) and
times each until its line appears in the ``file`` provider's SMS_FILE. Prints and saves
(``bench/results/sms-latency-<date>.json``) the median, p95 and max. SQLite in a scratch
directory by default; ``--url postgresql://...`` for a scratch PostgreSQL database.

    .venv/bin/python bench/sms_latency.py --codes 40
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=40)
    parser.add_argument("--url", default=None, help="database URL (default: scratch SQLite)")
    parser.add_argument("--interval", type=float, default=0.5, help="OUTBOX_WATCH_SECONDS")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="xq-sms-bench-"))
    keys = scratch / "keys.json"
    sms_file = scratch / "sms.jsonl"
    url = args.url or f"sqlite:///{scratch / 'bench.db'}"
    env = {**os.environ, "XINQING_CONFIG": "development", "DATABASE_URL": url,
           "XINQING_KEY_FILE": str(keys), "SECRET_KEY": "bench-" + "x" * 40,
           "SMS_PROVIDER": "file", "SMS_FILE": str(sms_file),
           "OUTBOX_WATCH_SECONDS": str(args.interval),
           "SMS_CODE_NUMBER_LIMIT": "100 per minute", "SMS_CODE_ADDRESS_LIMIT": "10000 per hour"}
    os.environ.update(env)  # before config.py is imported: it reads the environment
    from flask_migrate import upgrade

    from app import create_app
    from app.accounts import phone_codes
    from app.extensions import db
    from app.security.keyring import KeyRing

    KeyRing.generate().save(keys)
    app = create_app()
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    watcher = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send",
                                "--watch"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    latencies = []
    try:
        time.sleep(3)  # the watcher starts
        with app.app_context():
            for n in range(args.codes):
                phone = f"+86135{n:08d}"
                seen = _lines(sms_file)
                phone_codes.request_code(phone, "register", "10.9.9.9")  # commits
                committed = time.monotonic()
                while _lines(sms_file) == seen:
                    if time.monotonic() - committed > 30:
                        raise SystemExit(f"code {n} not delivered within 30 s")
                    time.sleep(0.01)
                latencies.append(time.monotonic() - committed)
                time.sleep(0.2)
            db.session.remove()
    finally:
        watcher.terminate()
        watcher.wait(10)
    latencies.sort()
    p95 = latencies[max(0, round(0.95 * len(latencies)) - 1)]
    result = {"date": date.today().isoformat(), "database": url.split(":")[0],
              "codes": len(latencies), "interval_s": args.interval,
              "median_s": round(statistics.median(latencies), 3), "p95_s": round(p95, 3),
              "max_s": round(latencies[-1], 3), "load": os.getloadavg()}
    print(json.dumps(result))
    name = f"sms-latency-{str(result['database']).split('+')[0]}-{result['date']}.json"
    out = ROOT / "bench" / "results" / name
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def _lines(path: Path) -> int:
    try:
        return path.read_text(encoding="utf-8").count("\n")
    except FileNotFoundError:
        return 0


if __name__ == "__main__":
    main()
