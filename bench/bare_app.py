"""The baseline: a bare Flask app under the same gunicorn settings as Xinqing.

``GET /hello`` answers a constant; ``POST /insert`` writes one row through a pooled
SQLAlchemy engine (psycopg 3, like the app). The benchmark divides our figures by these
to say how close to the framework's own ceiling we run.

    DATABASE_URL=postgresql://... gunicorn -c gunicorn.conf.py bench.bare_app:app
"""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import create_engine, text

DATABASE_URL = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
engine = create_engine(DATABASE_URL)  # no pre-ping: as the app (app/pool_liveness.py)
with engine.begin() as conn:
    conn.execute(text("CREATE TABLE IF NOT EXISTS bench_hits "
                      "(id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), "
                      "note text NOT NULL)"))

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    """The framework's ceiling for a page."""
    return "hello"


@app.post("/insert")
def insert() -> tuple[str, int]:
    """The framework's ceiling for a write: one INSERT in its own transaction."""
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bench_hits (note) VALUES (:note)"), {"note": "hit"})
    return "ok", 201
