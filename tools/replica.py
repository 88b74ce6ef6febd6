"""A real local PostgreSQL streaming replica: ``python tools/replica.py up|down|kill|status``.

``up`` copies the primary with ``pg_basebackup -R`` (which writes ``standby.signal`` and the
``primary_conninfo``) into a second cluster directory and starts it on another port as a hot
standby, so read-only pages can be pointed at it with ``DATABASE_REPLICA_URL``. The primary is
never restarted: it needs ``wal_level`` replica (PostgreSQL's default) and a ``max_wal_senders``
above zero, both checked; a missing ``replication`` line in its ``pg_hba.conf`` is appended and
loaded with ``pg_reload_conf()``. No replication slot is made, so a replica left stopped never
holds WAL back on the primary. Run as root, the server runs as the ``postgres`` user.

Options: ``--primary URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``),
``--port`` (5433), ``--dir`` (the cluster directory; a default per port).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess  # nosec B404  (runs pg_basebackup and pg_ctl, fixed argument lists)
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_PRIMARY = "postgresql://postgres@127.0.0.1:5432/postgres"
HBA_LINE = "host replication all 127.0.0.1/32 trust  # xinqing: local replicas (tools/replica.py)"
# A hot standby refuses to start with less of these than its primary has.
MATCH_PRIMARY = ("max_connections", "max_worker_processes", "max_wal_senders",
                 "max_prepared_transactions", "max_locks_per_transaction")


class ReplicaError(RuntimeError):
    """The replica cannot be made; the message says what to change."""


def _connect(url: str):  # psycopg is imported lazily, for make's sake
    import psycopg

    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                           autocommit=True, connect_timeout=5)


def _as_server_user() -> list[str]:
    """PostgreSQL refuses to run as root: root runs its programs as ``postgres``."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def default_dir(port: int) -> Path:
    if os.geteuid() == 0:
        return Path(f"/var/lib/postgresql/xinqing-replica-{port}")
    return Path(__file__).resolve().parents[1] / "build" / f"replica-{port}"


def bindir(primary: str) -> Path:
    """The server programs of the primary's major version (Debian keeps one dir per version)."""
    with _connect(primary) as conn:
        major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    debian = Path(f"/usr/lib/postgresql/{major}/bin")
    if debian.is_dir():
        return debian
    found = shutil.which("pg_ctl")
    if not found:
        raise ReplicaError("pg_ctl not found: install the PostgreSQL server package")
    return Path(found).parent


def prepare_primary(primary: str) -> dict[str, str]:
    """Check the primary can feed a streaming replica; allow local replication connections.

    Returns the settings a standby must match. Nothing here restarts the primary.
    """
    with _connect(primary) as conn:
        def show(name: str) -> str:
            return str(conn.execute(f"SHOW {name}").fetchone()[0])

        if show("wal_level") not in {"replica", "logical"}:
            raise ReplicaError(
                "the primary has wal_level=minimal: run ALTER SYSTEM SET wal_level = 'replica' "
                "and restart it (a restart is not done here, other work may be using it)")
        if int(show("max_wal_senders")) < 2:
            raise ReplicaError(
                "the primary has max_wal_senders < 2: ALTER SYSTEM SET max_wal_senders = 10 "
                "and restart it")
        allowed = conn.execute(
            "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) "
            "AND error IS NULL AND (type = 'local' OR address IN ('127.0.0.1', 'all'))"
        ).fetchone()[0]
        if not allowed:
            hba = Path(show("hba_file"))
            try:
                with hba.open("a", encoding="utf-8") as f:
                    f.write("\n" + HBA_LINE + "\n")
            except OSError as exc:
                raise ReplicaError(f"add this line to {hba} and reload: {HBA_LINE}") from exc
            conn.execute("SELECT pg_reload_conf()")
            time.sleep(0.5)
        return {name: show(name) for name in MATCH_PRIMARY}


def status(port: int) -> str | None:
    """'standby' or 'primary' when a server answers on the port, else None."""
    try:
        with _connect(f"postgresql://postgres@127.0.0.1:{port}/postgres") as conn:
            recovering = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    except Exception:
        return None
    return "standby" if recovering else "primary"


def up(primary: str = DEFAULT_PRIMARY, port: int = 5433, directory: Path | None = None,
       *, fresh: bool = False) -> Path:
    """Make (or restart) a streaming replica of ``primary`` on ``port``; its directory."""
    directory = directory or default_dir(port)
    if status(port) == "standby" and not fresh:
        return directory
    if status(port) == "primary":
        raise ReplicaError(f"port {port} is taken by a server that is not a replica")
    settings = prepare_primary(primary)
    programs = bindir(primary)
    run_as = _as_server_user()
    if fresh or not (directory / "standby.signal").exists():
        if directory.exists():
            down(port, directory, mode="immediate")
            shutil.rmtree(directory)
        directory.mkdir(parents=True, mode=0o700)
        if run_as:
            shutil.chown(directory, "postgres", "postgres")
        parts = urlsplit(primary)
        subprocess.run([*run_as, str(programs / "pg_basebackup"), "-h",  # noqa: S603 # nosec B603 B607
                        parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                        "-U", parts.username or "postgres", "-D", str(directory),
                        "-R", "-X", "stream", "-c", "fast", "--no-sync"],
                       check=True, capture_output=True)
        conf = [f"port = {port}", "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{directory}'", "hot_standby = on",
                "shared_buffers = 32MB", "hot_standby_feedback = on",
                "max_standby_streaming_delay = 5s", "logging_collector = off",
                *[f"{name} = {value}" for name, value in settings.items()]]
        files = {"postgresql.conf": "\n".join(conf) + "\n", "pg_ident.conf": "",
                 "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n"}
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
            if run_as:
                shutil.chown(directory / name, "postgres", "postgres")
    subprocess.run([*run_as, str(programs / "pg_ctl"), "-D", str(directory), "-l",  # noqa: S603 # nosec B603 B607
                    str(directory / "server.log"), "-w", "-t", "60", "start"],
                   check=True, capture_output=True)
    deadline = time.monotonic() + 30
    while status(port) != "standby":
        if time.monotonic() > deadline:
            raise ReplicaError(f"the replica on port {port} did not come up: "
                               f"see {directory / 'server.log'}")
        time.sleep(0.2)
    return directory


def down(port: int = 5433, directory: Path | None = None, *, mode: str = "fast") -> None:
    """Stop the replica (``immediate``: as if its server had crashed)."""
    directory = directory or default_dir(port)
    if not (directory / "postmaster.pid").exists():
        return
    major = (directory / "PG_VERSION").read_text().strip()  # the cluster's own version
    programs = Path(f"/usr/lib/postgresql/{major}/bin")
    pg_ctl = programs / "pg_ctl" if programs.is_dir() else Path(shutil.which("pg_ctl") or "pg_ctl")
    subprocess.run([*_as_server_user(), str(pg_ctl), "-D",  # noqa: S603 # nosec B603 B607
                    str(directory), "-m", mode, "-w", "stop"], check=False,
                   capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("up", "down", "kill", "status", "remove"))
    parser.add_argument("--primary", default=DEFAULT_PRIMARY)
    parser.add_argument("--port", type=int, default=5433)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--fresh", action="store_true", help="copy the primary again")
    args = parser.parse_args()
    directory = args.dir or default_dir(args.port)
    try:
        if args.action == "up":
            up(args.primary, args.port, directory, fresh=args.fresh)
            print(f"replica streaming on 127.0.0.1:{args.port} ({directory}); use "
                  f"DATABASE_REPLICA_URL=postgresql://postgres@127.0.0.1:{args.port}/<db>")
        elif args.action in {"down", "kill"}:
            down(args.port, directory, mode="immediate" if args.action == "kill" else "fast")
        elif args.action == "remove":
            down(args.port, directory, mode="immediate")
            shutil.rmtree(directory, ignore_errors=True)
        else:
            print(status(args.port) or "down")
    except (ReplicaError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        print(f"replica: {exc} {detail.decode(errors='replace')}".strip(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
