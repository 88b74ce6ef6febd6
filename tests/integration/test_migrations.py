"""The migrations build exactly the models' schema, and undo cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from app.audit.models import GENESIS
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
        tip = db.session.execute(text("SELECT seq, last_mac FROM audit_head")).one()
        assert tuple(tip) == (0, GENESIS)
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
