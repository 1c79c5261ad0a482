"""Schema versions and the steps between them.

A new database is created from the current schema and stamped with the latest version;
an existing one runs the steps it has not had yet, each in its own transaction. To change
the schema: edit `schema.py` and append a step here that brings an older database to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select, text

from kiosk.errors import ConfigError
from kiosk.store import rollup, schema

log = logging.getLogger(__name__)


def _initial(conn: Connection) -> None:
    schema.metadata.create_all(conn)


def _daily_rollups(conn: Connection) -> None:
    schema.daily_counts.create(conn, checkfirst=True)
    schema.daily_recommendations.create(conn, checkfirst=True)
    rollup.rebuild(conn)


def _session_generations(conn: Connection) -> None:
    if any(c["name"] == "session_gen" for c in inspect(conn).get_columns("accounts")):
        return
    conn.execute(
        text("ALTER TABLE accounts ADD COLUMN session_gen INTEGER NOT NULL DEFAULT 0")
    )


def _rollup_rebuild(conn: Connection) -> None:
    rollup.rebuild(conn)


def _tries(conn: Connection) -> None:
    if "tries" not in {c["name"] for c in inspect(conn).get_columns("sessions")}:
        conn.execute(text("ALTER TABLE sessions ADD COLUMN tries TEXT"))
    if conn.dialect.name == "postgresql":  # SQLite does not enforce VARCHAR lengths
        conn.execute(text("ALTER TABLE daily_counts ALTER COLUMN key TYPE VARCHAR(80)"))


def _session_answers(conn: Connection) -> None:
    have = {c["name"] for c in inspect(conn).get_columns("sessions")}
    for column in ("answers", "plan_shown"):
        if column not in have:
            conn.execute(text(f"ALTER TABLE sessions ADD COLUMN {column} TEXT"))


# (version, description, step); a new database is created from the schema and stamped
# with every version, so each step only brings an older database forward.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "initial schema", _initial),
    (2, "daily rollups for the dashboard", _daily_rollups),
    (3, "session generation per account (logout ends every copy)", _session_generations),
    (4, "daily rollups count out-of-stock suggestions by size", _rollup_rebuild),
    (5, "before/after walks (tries) and their daily counts", _tries),
    (6, "questionnaire answers and plan items shown per session", _session_answers),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    v = conn.execute(
        select(schema.schema_version.c.version)
        .order_by(schema.schema_version.c.version.desc())
        .limit(1)
    ).scalar()
    return int(v or 0)


def migrate(engine: Engine) -> int:
    """Bring the database to LATEST; returns the version it is now at."""
    with engine.begin() as conn:
        version = current_version(conn)
        if version == 0:
            schema.metadata.create_all(conn)
            conn.execute(
                schema.schema_version.insert(),
                [{"version": v, "description": d, "applied_at": _now()} for v, d, _ in MIGRATIONS],
            )
            log.info("created database schema version %d", LATEST)
            return LATEST
    if version > LATEST:
        raise ConfigError(
            f"database schema version {version} is newer than this kiosk ({LATEST}); upgrade"
        )
    for v, description, step in MIGRATIONS:
        if v <= version:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(
                schema.schema_version.insert(),
                {"version": v, "description": description, "applied_at": _now()},
            )
        log.info("migrated database to schema version %d (%s)", v, description)
    return LATEST


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
