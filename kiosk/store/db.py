"""The store: one object over the database, kiosk (SQLite WAL) or HQ (PostgreSQL).

Everything that reads or writes rows goes through here, so the web app never writes SQL
and the same tests run on both databases. Session writes are upserts keyed by session id
with last-write-wins on `updated_at`, which is what makes HQ ingest idempotent.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, delete, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from kiosk.errors import KioskError
from kiosk.store import bulk, rollup, schema
from kiosk.store.migrations import migrate
from kiosk.store.records import SessionRecord, flatten, unflatten, utcnow

log = logging.getLogger(__name__)

# Ids per IN list when replacing recommendations (SQLite caps bound parameters).
UPSERT_CHUNK = 500


class StoreUnavailable(KioskError):
    """The database cannot be written (disk full, read-only, unreachable)."""

    exit_code = 10


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers never block the writer; synchronous=FULL makes every commit durable
    # on power loss (NORMAL could lose the last commits, and a kiosk is switched off hard).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _private_file(path: Path) -> None:
    """The database readable by the service user only (0600), whatever the umask: SQLite
    gives its -wal and -shm files the database file's mode."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    if path.stat().st_mode & 0o077:
        log.warning("%s was readable by others; now 0600", path)
        os.chmod(path, 0o600)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            _private_file(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 5})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_size=8, max_overflow=8, pool_pre_ping=True)


def _insert(engine: Engine, table: Any) -> Any:
    if engine.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


@functools.cache
def _pg_upsert_tail(columns: tuple[str, ...]) -> str:
    # the same rule as Store._upsert_stmt: newer versions win; a visit never moves
    where = (
        "sessions.updated_at <= EXCLUDED.updated_at AND sessions.started_at = EXCLUDED.started_at"
        " AND sessions.store_id = EXCLUDED.store_id"
        " AND sessions.retailer_id = EXCLUDED.retailer_id"
    )
    return (
        bulk.pg_upsert_tail(schema.sessions, "session_id", columns, where) + " RETURNING session_id"
    )


def _hash_secret(value: str) -> str:
    # Tokens and links are 256-bit random strings: a plain SHA-256 is enough to make a
    # leaked table useless, and it lets us look them up by hash.
    return hashlib.sha256(value.encode()).hexdigest()


class Store:
    """Database access for sessions, outbox, accounts, tokens, links and kiosk state."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if create:
            try:
                migrate(self.engine)
            except OperationalError as exc:
                raise StoreUnavailable(f"database unavailable: {_short(exc)}") from None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # --- sessions -----------------------------------------------------------------------

    def save_session(self, rec: SessionRecord, *, enqueue: bool = False) -> bool:
        """Insert or update one session (last write wins); queue it for HQ if `enqueue`.

        Returns False when a newer version of the record was already stored.
        """
        return self.save_sessions([rec], enqueue=enqueue) == 1

    def save_sessions(
        self, recs: Sequence[SessionRecord], *, enqueue: bool = False, received: bool = False
    ) -> int:
        """Upsert many sessions in one transaction; returns how many rows changed.

        One multi-row statement per chunk of sessions (not one per session), then their
        recommendations, outbox entries and the dashboard's daily rollups, all in the same
        transaction. A session's retailer, store and start never change: a later version
        that moves them is ignored like an older one.
        """
        if not recs:
            return 0
        newest: dict[str, SessionRecord] = {}
        for r in recs:  # a batch may hold two versions of one visit: the newer wins
            old = newest.get(r.session_id)
            if old is None or r.updated_at >= old.updated_at:
                newest[r.session_id] = r
        now = utcnow()
        rows = {}
        for sid, r in newest.items():
            row = flatten(r)
            row["received_at"] = now if received else None
            rows[sid] = row
        try:
            with self.engine.begin() as conn:
                changed = self._upsert_rows(conn, list(rows.values()))
                if changed:
                    self._replace_recommendations(conn, [newest[sid] for sid in changed], rows)
                    if enqueue:
                        self._enqueue(conn, changed, now)
                    rollup.refresh(conn, rollup.groups_of(rows[sid] for sid in changed))
        except OperationalError as exc:
            raise StoreUnavailable(f"could not save the session: {_short(exc)}") from None
        return len(changed)

    def _upsert_rows(self, conn: Any, rows: list[dict]) -> list[str]:
        """One multi-row INSERT … ON CONFLICT DO UPDATE; the ids it changed.

        PostgreSQL gets the rows as one JSON parameter (kiosk.store.bulk); on SQLite,
        SQLAlchemy sends the executemany as multi-row VALUES ("insertmanyvalues").
        """
        columns = tuple(rows[0])
        result = bulk.insert_rows(
            conn,
            schema.sessions,
            rows,
            pg_tail=_pg_upsert_tail(columns),
            sqlite_stmt=self._upsert_stmt(columns),
        )
        # rowcount is unreliable for skipped upserts on SQLite; RETURNING is not.
        return [r[0] for r in result]

    @functools.cache  # noqa: B019 - one Store per process; the statement is immutable
    def _upsert_stmt(self, columns: tuple[str, ...]) -> Any:
        t = schema.sessions
        ins = _insert(self.engine, t)
        return ins.on_conflict_do_update(
            index_elements=[t.c.session_id],
            set_={k: ins.excluded[k] for k in columns if k != "session_id"},
            where=(t.c.updated_at <= ins.excluded.updated_at)
            & (t.c.started_at == ins.excluded.started_at)
            & (t.c.store_id == ins.excluded.store_id)
            & (t.c.retailer_id == ins.excluded.retailer_id),
        ).returning(t.c.session_id)

    def _replace_recommendations(
        self, conn: Any, recs: list[SessionRecord], rows: dict[str, dict]
    ) -> None:
        r = schema.recommendations
        ids = [rec.session_id for rec in recs]
        for i in range(0, len(ids), UPSERT_CHUNK):
            conn.execute(delete(r).where(r.c.session_id.in_(ids[i : i + UPSERT_CHUNK])))
        new = [
            {
                "session_id": rec.session_id,
                "rank": i,
                "product_id": x.product_id,
                "kind": x.kind,
                "name": x.name,
                "in_stock": x.in_stock,
                "reason": x.reason,
                "retailer_id": rec.retailer_id,
                "store_id": rec.store_id,
                "day": rows[rec.session_id]["day"],
            }
            for rec in recs
            for i, x in enumerate(rec.recommendations)
        ]
        bulk.insert_rows(conn, r, new)

    def _enqueue(self, conn: Any, ids: list[str], now: datetime) -> None:
        o = schema.outbox
        oi = _insert(self.engine, o)
        stmt = oi.on_conflict_do_update(
            index_elements=[o.c.session_id],
            set_={
                "version": o.c.version + 1,
                "queued_at": oi.excluded.queued_at,
                "next_attempt_at": oi.excluded.next_attempt_at,
                "attempts": 0,
            },
        )
        conn.execute(
            stmt,
            [
                {
                    "session_id": sid,
                    "version": 1,
                    "queued_at": now,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
                for sid in ids
            ],
        )

    def get_session(self, session_id: str) -> SessionRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(schema.sessions).where(schema.sessions.c.session_id == session_id)
            ).first()
            if row is None:
                return None
            recs = conn.execute(
                select(schema.recommendations)
                .where(schema.recommendations.c.session_id == session_id)
                .order_by(schema.recommendations.c.rank)
            ).all()
        return unflatten(row, list(recs))

    def get_sessions(self, ids: Iterable[str]) -> list[SessionRecord]:
        ids = list(ids)
        if not ids:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(schema.sessions).where(schema.sessions.c.session_id.in_(ids))
            ).all()
            recs = conn.execute(
                select(schema.recommendations)
                .where(schema.recommendations.c.session_id.in_(ids))
                .order_by(schema.recommendations.c.session_id, schema.recommendations.c.rank)
            ).all()
        by_id: dict[str, list[Any]] = {}
        for r in recs:
            by_id.setdefault(r.session_id, []).append(r)
        return [unflatten(row, by_id.get(row.session_id, [])) for row in rows]

    def count_sessions(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.sessions)).scalar())

    def session_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return [r[0] for r in conn.execute(select(schema.sessions.c.session_id))]

    # --- outbox -------------------------------------------------------------------------

    def outbox_due(self, now: datetime, limit: int) -> list[tuple[str, int]]:
        o = schema.outbox
        with self.engine.connect() as conn:
            return [
                (r.session_id, r.version)
                for r in conn.execute(
                    select(o.c.session_id, o.c.version)
                    .where(o.c.next_attempt_at <= now)
                    .order_by(o.c.queued_at)
                    .limit(limit)
                )
            ]

    def outbox_size(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.outbox)).scalar())

    def outbox_next_attempt(self) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.execute(select(func.min(schema.outbox.c.next_attempt_at))).scalar()

    def outbox_done(self, sent: Sequence[tuple[str, int]]) -> None:
        """Remove sent entries, unless the session changed while it was being sent."""
        o = schema.outbox
        with self.engine.begin() as conn:
            for sid, version in sent:
                conn.execute(delete(o).where(o.c.session_id == sid, o.c.version == version))

    def outbox_failed(self, ids: Sequence[str], next_attempt_at: datetime, error: str) -> None:
        o = schema.outbox
        with self.engine.begin() as conn:
            conn.execute(
                update(o)
                .where(o.c.session_id.in_(list(ids)))
                .values(
                    attempts=o.c.attempts + 1,
                    next_attempt_at=next_attempt_at,
                    last_error=error[:300],
                )
            )

    # --- retention ----------------------------------------------------------------------

    def purge(self, now: datetime, retention_days: int) -> dict[str, int]:
        """Delete sessions older than the retention period, expired links and recordings.

        Sessions still waiting in the outbox are kept until sent, or the store would lose
        records HQ never got; the outbox entry of a purged session cannot exist.
        """
        cutoff = now - timedelta(days=retention_days)
        s, o = schema.sessions, schema.outbox
        out: dict[str, int] = {}
        with self.engine.begin() as conn:
            old = select(s.c.session_id).where(
                s.c.started_at < cutoff, s.c.session_id.not_in(select(o.c.session_id))
            )
            purged_groups = {
                tuple(g)
                for g in conn.execute(
                    select(s.c.retailer_id, s.c.store_id, s.c.day)
                    .where(s.c.session_id.in_(old))
                    .distinct()
                )
            }
            conn.execute(
                delete(schema.summary_links).where(schema.summary_links.c.session_id.in_(old))
            )
            conn.execute(
                delete(schema.recommendations).where(schema.recommendations.c.session_id.in_(old))
            )
            out["sessions"] = conn.execute(delete(s).where(s.c.session_id.in_(old))).rowcount
            rollup.refresh(conn, purged_groups)
            out["links"] = conn.execute(
                delete(schema.summary_links).where(schema.summary_links.c.expires_at < now)
            ).rowcount
            q = schema.qa_recordings
            expired = conn.execute(
                select(q.c.recording_id, q.c.path).where(q.c.expires_at < now)
            ).all()
            for rid, path in expired:
                Path(path).unlink(missing_ok=True)
                conn.execute(delete(q).where(q.c.recording_id == rid))
            out["qa_recordings"] = len(expired)
        log.info("purge: %s", out)
        return out

    # --- summary links (QR) -------------------------------------------------------------

    def add_summary_link(self, link: str, session_id: str, expires_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schema.summary_links.insert().values(
                    link_hash=_hash_secret(link), session_id=session_id, expires_at=expires_at
                )
            )

    def resolve_summary_link(self, link: str, now: datetime) -> str | None:
        sl = schema.summary_links
        with self.engine.connect() as conn:
            return conn.execute(
                select(sl.c.session_id).where(
                    sl.c.link_hash == _hash_secret(link), sl.c.expires_at > now
                )
            ).scalar()

    def summary_links_for(self, session_ids: Sequence[str], now: datetime) -> list[dict]:
        """The unexpired links of these sessions, as hashes (what HQ is sent)."""
        sl = schema.summary_links
        if not session_ids:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(sl.c.session_id, sl.c.link_hash, sl.c.expires_at).where(
                    sl.c.session_id.in_(list(session_ids)), sl.c.expires_at > now
                )
            ).all()
        return [
            {"session_id": r.session_id, "link_hash": r.link_hash, "expires_at": r.expires_at}
            for r in rows
        ]

    def add_summary_link_hashes(self, links: Sequence[dict]) -> None:
        """Store links a kiosk made (by hash; HQ never sees the link itself); a link
        already known keeps its row."""
        if not links:
            return
        sl = schema.summary_links
        ins = _insert(self.engine, sl)
        stmt = ins.on_conflict_do_nothing(index_elements=[sl.c.link_hash])
        try:
            with self.engine.begin() as conn:
                conn.execute(stmt, [dict(x) for x in links])
        except OperationalError as exc:
            raise StoreUnavailable(f"could not save the summary links: {_short(exc)}") from None

    # --- accounts -----------------------------------------------------------------------

    def add_account(
        self, username: str, role: str, secret_hash: str, retailer_id: str | None = None
    ) -> int:
        if role not in ("staff", "retailer", "admin"):
            raise ValueError(f"unknown role {role!r}")
        try:
            with self.engine.begin() as conn:
                return int(
                    conn.execute(
                        schema.accounts.insert().values(
                            username=username,
                            role=role,
                            secret_hash=secret_hash,
                            retailer_id=retailer_id,
                            failed_attempts=0,
                            disabled=False,
                            created_at=utcnow(),
                        )
                    ).inserted_primary_key[0]
                )
        except IntegrityError:
            raise ValueError(f"account {username!r} exists") from None

    def set_account_secret(self, username: str, secret_hash: str) -> bool:
        """A new PIN/password; every session of the account ends. False if no such account."""
        a = schema.accounts
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(a)
                    .where(a.c.username == username)
                    .values(
                        secret_hash=secret_hash,
                        failed_attempts=0,
                        locked_until=None,
                        session_gen=a.c.session_gen + 1,
                    )
                ).rowcount
                == 1
            )

    def set_account_disabled(self, username: str, disabled: bool) -> bool:
        """Disable (every session ends) or enable an account. False if no such account."""
        a = schema.accounts
        with self.engine.begin() as conn:
            return (
                conn.execute(
                    update(a)
                    .where(a.c.username == username)
                    .values(disabled=disabled, session_gen=a.c.session_gen + 1)
                ).rowcount
                == 1
            )

    def end_sessions(self, username: str) -> None:
        """Logout: every cookie of this account stops working, copies included."""
        a = schema.accounts
        with self.engine.begin() as conn:
            conn.execute(
                update(a).where(a.c.username == username).values(session_gen=a.c.session_gen + 1)
            )

    def list_accounts(self, retailer_id: str | None = None) -> list[dict]:
        """Accounts without their secrets, oldest first (optionally one retailer's)."""
        a = schema.accounts
        q = select(
            a.c.username, a.c.role, a.c.retailer_id, a.c.disabled, a.c.created_at
        ).order_by(a.c.account_id)
        if retailer_id:
            q = q.where(a.c.retailer_id == retailer_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def get_account(self, username: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(schema.accounts).where(schema.accounts.c.username == username)
            ).first()
        return dict(row._mapping) if row else None

    def begin_login(
        self,
        username: str,
        *,
        now: datetime,
        max_attempts: int,
        first_delay_s: float,
        max_delay_s: float,
    ) -> bool:
        """Count a login attempt BEFORE its secret is checked; False when the account is
        waiting out a delay (or does not exist), and the secret must not be checked.

        The count and the check happen in one statement, so attempts sent in parallel
        are all counted (a check first and a count after the slow hash let them through
        together). From the `max_attempts`-th attempt on, each one starts a delay that
        doubles (`first_delay_s`, 2x, 4x ... up to `max_delay_s`) until one succeeds.
        """
        a = schema.accounts
        try:
            with self.engine.begin() as conn:
                n = conn.execute(
                    update(a)
                    .where(
                        a.c.username == username,
                        (a.c.locked_until.is_(None)) | (a.c.locked_until <= now),
                    )
                    .values(failed_attempts=a.c.failed_attempts + 1)
                    .returning(a.c.failed_attempts)
                ).scalar()
                if n is None:
                    return False
                if n >= max_attempts:
                    delay = min(max_delay_s, first_delay_s * 2 ** min(n - max_attempts, 30))
                    conn.execute(
                        update(a)
                        .where(a.c.username == username)
                        .values(locked_until=now + timedelta(seconds=delay))
                    )
                    log.warning("account %s: %d attempts, next in %.0f s", username, n, delay)
        except OperationalError as exc:
            raise StoreUnavailable(f"could not record the login: {_short(exc)}") from None
        return True

    def login_succeeded(self, username: str) -> None:
        """The secret was right: the attempt count and any delay start over."""
        a = schema.accounts
        with self.engine.begin() as conn:
            conn.execute(
                update(a)
                .where(a.c.username == username)
                .values(failed_attempts=0, locked_until=None)
            )

    # --- tokens -------------------------------------------------------------------------

    def add_token(
        self,
        token: str,
        kind: str,
        name: str,
        *,
        kiosk_id: str | None = None,
        retailer_id: str | None = None,
    ) -> int:
        if kind not in ("kiosk", "retailer"):
            raise ValueError(f"unknown token kind {kind!r}")
        with self.engine.begin() as conn:
            return int(
                conn.execute(
                    schema.tokens.insert().values(
                        token_hash=_hash_secret(token),
                        kind=kind,
                        name=name,
                        kiosk_id=kiosk_id,
                        retailer_id=retailer_id,
                        created_at=utcnow(),
                    )
                ).inserted_primary_key[0]
            )

    def check_token(self, token: str, kind: str) -> dict | None:
        """The token's row if it exists, is of `kind` and is not revoked."""
        tk = schema.tokens
        with self.engine.connect() as conn:
            row = conn.execute(
                select(tk).where(
                    tk.c.token_hash == _hash_secret(token),
                    tk.c.kind == kind,
                    tk.c.revoked_at.is_(None),
                )
            ).first()
        return dict(row._mapping) if row else None

    def touch_token(self, token_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.tokens)
                .where(schema.tokens.c.token_id == token_id)
                .values(last_used_at=utcnow())
            )

    def list_tokens(self, kind: str | None = None, retailer_id: str | None = None) -> list[dict]:
        tk = schema.tokens
        q = select(
            tk.c.token_id,
            tk.c.kind,
            tk.c.name,
            tk.c.kiosk_id,
            tk.c.retailer_id,
            tk.c.created_at,
            tk.c.revoked_at,
            tk.c.last_used_at,
        ).order_by(tk.c.token_id)
        if kind:
            q = q.where(tk.c.kind == kind)
        if retailer_id:
            q = q.where(tk.c.retailer_id == retailer_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def revoke_token(
        self, token_id: int, retailer_id: str | None = None, kind: str | None = None
    ) -> bool:
        """Revoke a token, only if it is of `kind` and `retailer_id`'s (when given)."""
        tk = schema.tokens
        q = update(tk).where(tk.c.token_id == token_id, tk.c.revoked_at.is_(None))
        if kind is not None:
            q = q.where(tk.c.kind == kind)
        if retailer_id is not None:
            q = q.where(tk.c.retailer_id == retailer_id)
        with self.engine.begin() as conn:
            return conn.execute(q.values(revoked_at=utcnow())).rowcount == 1

    # --- stores and kiosk state ---------------------------------------------------------

    def upsert_store(self, store_id: str, retailer_id: str, name: str) -> None:
        st = schema.stores
        ins = _insert(self.engine, st).values(store_id=store_id, retailer_id=retailer_id, name=name)
        with self.engine.begin() as conn:
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[st.c.store_id],
                    set_={"retailer_id": ins.excluded.retailer_id, "name": ins.excluded.name},
                )
            )

    def list_stores(self, retailer_id: str | None = None) -> list[dict]:
        st = schema.stores
        q = select(st).order_by(st.c.store_id)
        if retailer_id:
            q = q.where(st.c.retailer_id == retailer_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def set_state(self, key: str, value: Any) -> None:
        ks = schema.kiosk_state
        ins = _insert(self.engine, ks).values(key=key, value=json.dumps(value), updated_at=utcnow())
        with self.engine.begin() as conn:
            conn.execute(
                ins.on_conflict_do_update(
                    index_elements=[ks.c.key],
                    set_={"value": ins.excluded.value, "updated_at": ins.excluded.updated_at},
                )
            )

    def get_state(self, key: str, default: Any = None) -> Any:
        with self.engine.connect() as conn:
            v = conn.execute(
                select(schema.kiosk_state.c.value).where(schema.kiosk_state.c.key == key)
            ).scalar()
        return default if v is None else json.loads(v)

    def add_qa_recording(self, session_id: str, path: str, expires_at: datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                schema.qa_recordings.insert().values(
                    session_id=session_id, path=path, created_at=utcnow(), expires_at=expires_at
                )
            )

    def ping(self) -> None:
        """Raise StoreUnavailable unless the database answers a query."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except DBAPIError as exc:
            raise StoreUnavailable(f"database unavailable: {_short(exc)}") from None


def _short(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).splitlines()[0][:200]
