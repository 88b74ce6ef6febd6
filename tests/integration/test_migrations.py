"""The migrations build exactly the models' schema, and undo cleanly."""

from __future__ import annotations

import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from app.audit.models import CHAINS, GENESIS, AuditEvent
from app.extensions import db
from app.types import render_migration_item

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def schema_differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "render_item": render_migration_item})
        return compare_metadata(context, db.metadata)


def test_upgrade_gives_the_models_schema_and_downgrade_undoes_it(make_app, databases):
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new())
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        assert schema_differences() == []
        tips = db.session.execute(text("SELECT id, seq, last_mac FROM audit_head")).all()
        assert sorted(tuple(t) for t in tips) == [(c, 0, GENESIS) for c in range(CHAINS)]
        db.session.remove()  # release the read lock before dropping the tables

        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}

        upgrade(directory=MIGRATIONS)
        assert schema_differences() == []
        db.session.remove()
        db.engine.dispose()


def test_models_declare_every_table_the_migrations_make(make_app, databases):
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new())
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        made = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert made == set(db.metadata.tables)
        assert db.session.scalar(select(text("1")))
        db.session.remove()
        db.engine.dispose()


def test_events_of_the_single_chain_verify_after_the_split(make_app, databases):
    """Events written before 0023 become chain 0 and still verify; new events spread."""
    from app import audit
    from app.audit.services import _mac
    from app.types import utcnow

    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new())
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0020_phone2_mfa_reset")
        prev = GENESIS
        for seq in (1, 2, 3):  # as the single chain wrote them: its mac body is chain 0's
            event = AuditEvent(chain=0, link=seq, at=utcnow(), actor=f"u{seq}",
                               action="old.event", target=None, detail={"n": seq},
                               prev_mac=prev)
            event.mac = prev = _mac(event)
            db.session.execute(text(
                "INSERT INTO audit_events (seq, at, actor, action, target, detail, prev_mac, "
                "mac) VALUES (:seq, :at, :actor, 'old.event', NULL, :detail, :prev, :mac)"),
                {"seq": seq, "at": event.at.isoformat(sep=" "), "actor": event.actor,
                 "detail": json.dumps({"n": seq}), "prev": event.prev_mac, "mac": event.mac})
        db.session.execute(text("UPDATE audit_head SET seq = 3, last_mac = :mac"),
                           {"mac": prev})
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        assert audit.verify().ok
        for n in range(8):
            audit.record(f"person-{n}", "new.event")
        db.session.commit()
        verdict = audit.verify()
        assert (verdict.ok, verdict.events) == (True, 11)
        assert db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())
                                 .limit(1)) == 11
        db.session.remove()
        db.engine.dispose()
