"""The store on SQLite and on a real PostgreSQL server: the same tests for both."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError
from sqlalchemy import LargeBinary, inspect, select, text

from kiosk.store import SessionRecord, Store, schema, utcnow
from kiosk.store import stats as st
from kiosk.store.demo import demo_record, demo_records
from kiosk.store.migrations import LATEST

T0 = datetime(2026, 3, 2, 11, 30)


@pytest.fixture
def store(db_url: str):
    s = Store(db_url)
    yield s
    s.close()


def _rec(seed: int = 0, **kw) -> SessionRecord:
    rng = np.random.default_rng(seed)
    r = demo_record(rng, started_at=kw.pop("started_at", T0), stage=kw.pop("stage", "qr"))
    return r.model_copy(update=kw) if kw else r


def test_new_database_is_at_latest_schema_and_reopening_does_not_migrate_again(db_url):
    Store(db_url).close()
    s = Store(db_url)
    with s.engine.connect() as conn:
        versions = conn.execute(select(schema.schema_version.c.version)).scalars().all()
        tables = set(inspect(conn).get_table_names())
    s.close()
    assert versions == list(range(1, LATEST + 1))
    assert {"sessions", "outbox", "accounts", "api_tokens", "summary_links"} <= tables


def test_session_round_trips_with_reports_and_recommendations(store):
    rec = _rec(1)
    assert store.save_session(rec)
    back = store.get_session(rec.session_id)
    assert back is not None
    assert back.payload() == rec.payload()
    assert back.standing["feet"]["left"]["length_mm"] == rec.standing["feet"]["left"]["length_mm"]
    assert [r.product_id for r in back.recommendations] == [
        r.product_id for r in rec.recommendations
    ]


def test_older_copy_of_a_session_never_overwrites_a_newer_one(store):
    rec = _rec(2)
    newer = rec.model_copy(
        update={"updated_at": rec.updated_at + timedelta(seconds=5), "qr_at": None, "lang": "ja"}
    )
    store.save_session(newer)
    assert not store.save_session(rec)  # stale: rejected
    assert store.get_session(rec.session_id).lang == "ja"
    assert store.count_sessions() == 1


def test_saving_the_same_session_twice_keeps_one_row_and_one_set_of_recommendations(store):
    rec = _rec(3)
    store.save_session(rec)
    store.save_session(rec)
    with store.engine.connect() as conn:
        n = conn.execute(
            select(schema.recommendations.c.rank).where(
                schema.recommendations.c.session_id == rec.session_id
            )
        ).all()
    assert store.count_sessions() == 1
    assert len(n) == len(rec.recommendations)


def test_outbox_entry_survives_when_session_changed_during_send(store):
    rec = _rec(4)
    store.save_session(rec, enqueue=True)
    due = store.outbox_due(utcnow() + timedelta(seconds=1), 10)
    assert due == [(rec.session_id, 1)]
    store.save_session(
        rec.model_copy(update={"updated_at": rec.updated_at + timedelta(1)}), enqueue=True
    )
    store.outbox_done(due)  # confirms version 1 only
    assert store.outbox_size() == 1
    store.outbox_done([(rec.session_id, 2)])
    assert store.outbox_size() == 0


def test_purge_deletes_old_sessions_but_keeps_unsent_ones_and_recent_ones(store, tmp_path):
    old_sent = _rec(5, started_at=T0 - timedelta(days=400))
    old_unsent = _rec(6, started_at=T0 - timedelta(days=400))
    recent = _rec(7, started_at=T0 - timedelta(days=3))
    store.save_session(old_sent)
    store.save_session(old_unsent, enqueue=True)
    store.save_session(recent)
    store.add_summary_link("old-link", old_sent.session_id, T0 + timedelta(days=1))
    qa_file = tmp_path / "qa.npz"
    qa_file.write_bytes(b"x")
    store.add_qa_recording(recent.session_id, str(qa_file), T0 - timedelta(hours=1))
    out = store.purge(T0, retention_days=365)
    assert out["sessions"] == 1
    assert set(store.session_ids()) == {old_unsent.session_id, recent.session_id}
    assert not qa_file.exists()
    assert store.resolve_summary_link("old-link", T0) is None


def test_summary_link_resolves_until_it_expires_and_is_stored_hashed(store):
    rec = _rec(8)
    store.save_session(rec)
    store.add_summary_link("s3cret-link", rec.session_id, T0 + timedelta(hours=1))
    assert store.resolve_summary_link("s3cret-link", T0) == rec.session_id
    assert store.resolve_summary_link("s3cret-link", T0 + timedelta(hours=2)) is None
    assert store.resolve_summary_link("other", T0) is None
    with store.engine.connect() as conn:
        stored = conn.execute(select(schema.summary_links.c.link_hash)).scalar()
    assert stored == hashlib.sha256(b"s3cret-link").hexdigest()


def test_tokens_are_stored_hashed_checked_by_kind_and_revocable(store):
    tid = store.add_token("tok-abc", "retailer", "bi tool", retailer_id="r1")
    assert store.check_token("tok-abc", "retailer")["retailer_id"] == "r1"
    assert store.check_token("tok-abc", "kiosk") is None
    with store.engine.connect() as conn:
        dump = " ".join(str(v) for row in conn.execute(select(schema.tokens)) for v in row)
    assert "tok-abc" not in dump
    assert not store.revoke_token(tid, retailer_id="someone-else")
    assert store.revoke_token(tid, retailer_id="r1")
    assert store.check_token("tok-abc", "retailer") is None


def test_login_delays_start_at_max_attempts_double_and_end_on_success(store):
    store.add_account("staff", "staff", "hash")
    kw = {"max_attempts": 3, "first_delay_s": 30, "max_delay_s": 100}
    for _ in range(2):
        assert store.begin_login("staff", now=T0, **kw)
    assert store.get_account("staff")["locked_until"] is None
    assert store.begin_login("staff", now=T0, **kw)  # the 3rd is checked; the next waits
    assert store.get_account("staff")["locked_until"] == T0 + timedelta(seconds=30)
    assert not store.begin_login("staff", now=T0 + timedelta(seconds=29), **kw)
    t1 = T0 + timedelta(seconds=30)
    assert store.begin_login("staff", now=t1, **kw)
    assert store.get_account("staff")["locked_until"] == t1 + timedelta(seconds=60)
    t2 = t1 + timedelta(seconds=60)
    assert store.begin_login("staff", now=t2, **kw)
    assert store.get_account("staff")["locked_until"] == t2 + timedelta(seconds=100)  # capped
    assert not store.begin_login("nobody", now=t2, **kw)
    store.login_succeeded("staff")
    acct = store.get_account("staff")
    assert acct["locked_until"] is None and acct["failed_attempts"] == 0
    with pytest.raises(ValueError, match="exists"):
        store.add_account("staff", "staff", "hash")


@pytest.mark.slow
def test_dashboard_queries_respect_retailer_store_and_date_filters(store):
    end = datetime(2026, 3, 31, 20)
    mine = demo_records(
        120, seed=1, days=30, end=end, retailer_id="r1", stores=(("s1", "A"), ("s2", "B"))
    )
    theirs = demo_records(40, seed=2, days=30, end=end, retailer_id="r2", stores=(("s9", "Z"),))
    store.save_sessions(mine + theirs)
    f = st.Filter(retailer_id="r1")
    d = st.dashboard(store, f)
    assert sum(x["sessions"] for x in d["per_day"]) == 120
    assert sum(x["sessions"] for x in d["per_hour"]) == 120
    funnel = {x["stage"]: x["sessions"] for x in d["funnel"]}
    assert funnel["started"] == 120
    assert funnel["started"] >= funnel["consent"] >= funnel["standing"] >= funnel["qr"]
    assert funnel["results"] == sum(1 for r in mine if r.results_at)
    assert sum(x["sessions"] for x in d["size_curve"]) == sum(1 for r in mine if r.standing)
    assert sum(x["recommended"] for x in d["recommendations"]) == sum(
        len(r.recommendations) for r in mine
    )
    oos = {x["product_id"] for x in d["out_of_stock"]}
    assert oos == {r.product_id for m in mine for r in m.recommendations if not r.in_stock}
    only_s2 = st.funnel(store, st.Filter(retailer_id="r1", store_ids=("s2",)))[0]["sessions"]
    assert only_s2 == sum(1 for r in mine if r.store_id == "s2")
    last_week = st.Filter(
        retailer_id="r1", date_from=(end - timedelta(days=6)).date(), date_to=end.date()
    )
    assert st.funnel(store, last_week)[0]["sessions"] == sum(
        1 for r in mine if r.started_at.date() >= (end - timedelta(days=6)).date()
    )


def test_csv_export_has_every_row_and_neutralises_spreadsheet_formulas(store):
    recs = demo_records(30, seed=3, end=T0)
    recs[0] = recs[0].model_copy(update={"kiosk_id": "-cmd"})  # allowed id, starts with '-'
    store.save_sessions(recs)
    text_out = "".join(st.export_csv(store, st.Filter(), chunk=7))
    lines = text_out.strip().splitlines()
    assert lines[0].split(",")[0] == "session_id"
    assert len(lines) == 31
    assert "'-cmd" in text_out and ",-cmd" not in text_out


def test_record_rejects_unknown_fields_bad_reports_and_measurements_without_consent():
    base = _rec(9).payload()
    with pytest.raises(ValidationError):
        SessionRecord.model_validate({**base, "email": "a@b.c"})
    with pytest.raises(ValidationError):
        SessionRecord.model_validate({**base, "standing": {"kind": "standing"}})
    with pytest.raises(ValidationError):
        SessionRecord.model_validate({**base, "consent": False})
    with pytest.raises(ValidationError):
        SessionRecord.model_validate({**base, "session_id": "../../etc"})


def test_schema_has_no_column_that_could_hold_an_image():
    for table in schema.metadata.tables.values():
        for col in table.columns:
            assert not isinstance(col.type, LargeBinary), f"{table.name}.{col.name}"


def test_sqlite_database_runs_in_wal_mode_with_full_sync(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'k.sqlite3'}")
    with s.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
    s.close()


def test_migration_gives_existing_accounts_a_session_generation(db_url):
    from sqlalchemy import delete, text

    store = Store(db_url)
    store.add_account("staff", "staff", "hash")
    with store.engine.begin() as conn:  # as a version-2 database left it
        conn.execute(text("ALTER TABLE accounts DROP COLUMN session_gen"))
        conn.execute(delete(schema.schema_version).where(schema.schema_version.c.version >= 3))
    store.close()
    reopened = Store(db_url)
    try:
        assert reopened.get_account("staff")["session_gen"] == 0
        reopened.end_sessions("staff")
        assert reopened.get_account("staff")["session_gen"] == 1
    finally:
        reopened.close()


def test_questionnaire_answers_round_trip_and_need_consent(store):
    from kiosk.advice.answers import Answers

    answers = Answers(aches=("heels", "knees"), activity="running", shoe_km="500_800")
    rec = _rec(11, answers=answers)
    store.save_session(rec)
    back = store.get_session(rec.session_id)
    assert back.answers == answers and back.answers.pain
    skipped = _rec(12)
    store.save_session(skipped)
    assert store.get_session(skipped.session_id).answers is None
    with pytest.raises(ValidationError):  # only codes from the closed list
        SessionRecord.model_validate({**rec.payload(), "answers": {"aches": ["my name"]}})
    with pytest.raises(ValidationError):
        SessionRecord.model_validate({**rec.payload(), "answers": {"note": "Jane"}})
    with pytest.raises(ValidationError):
        SessionRecord.model_validate({**_rec(13, stage="started").payload(),
                                      "answers": {"aches": ["feet"]}})  # fmt: skip


def test_migration_adds_the_answers_column_to_an_older_database(db_url):
    from sqlalchemy import delete

    store = Store(db_url)
    with store.engine.begin() as conn:  # as a version-3 database left it
        conn.execute(text("ALTER TABLE sessions DROP COLUMN answers"))
        conn.execute(delete(schema.schema_version).where(schema.schema_version.c.version >= 4))
    store.close()
    reopened = Store(db_url)
    try:
        with reopened.engine.connect() as conn:
            cols = {c["name"] for c in inspect(conn).get_columns("sessions")}
        assert "answers" in cols
        rec = _rec(14)
        reopened.save_session(rec)
        assert reopened.get_session(rec.session_id).answers is None
    finally:
        reopened.close()


def test_dashboard_counts_which_plan_advice_was_shown(store):
    a = _rec(21, plan_shown=["clinician", "plantar_fascia_stretch"])
    b = _rec(22, plan_shown=["typical", "general"])
    c = _rec(23, plan_shown=["clinician", "gait-appointment"])
    store.save_sessions([a, b, c])
    mix = {r["item"]: r["sessions"] for r in st.plan_mix(store, st.Filter())}
    assert mix == {"clinician": 2, "plantar_fascia_stretch": 1, "typical": 1, "general": 1,
                   "gait-appointment": 1}  # fmt: skip
    # a newer version of a visit replaces what it counted
    later = a.updated_at + timedelta(minutes=1)
    store.save_session(a.model_copy(update={"plan_shown": ["general"], "updated_at": later}))
    mix = {r["item"]: r["sessions"] for r in st.plan_mix(store, st.Filter())}
    assert mix["clinician"] == 1 and mix["general"] == 2 and "plantar_fascia_stretch" not in mix
    assert store.get_session(b.session_id).plan_shown == ["typical", "general"]
    assert st.dashboard(store, st.Filter())["plan"][0]["sessions"] == 2
    with pytest.raises(ValidationError):
        SessionRecord.model_validate({**a.payload(), "plan_shown": ["<script>"]})
