"""The one database schema, kiosk (SQLite) and HQ (PostgreSQL) alike, in SQLAlchemy Core.

A session row is anonymous by construction: measurements, classes, recommendations,
funnel timestamps, kiosk/store ids, versions and consent; there is no column for an
image, a name or contact details. Times are naive UTC. `day`/`hour` are denormalised
from `started_at` so the dashboard groups without per-row date functions.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
)

metadata = MetaData()

_ID = 64  # kiosk/store/retailer ids

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_id", String(36), primary_key=True),
    Column("kiosk_id", String(_ID), nullable=False),
    Column("store_id", String(_ID), nullable=False),
    Column("retailer_id", String(_ID), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("day", Date, nullable=False),
    Column("hour", SmallInteger, nullable=False),
    # funnel: started -> consent -> standing -> walk -> results -> qr
    Column("consent_at", DateTime),
    Column("standing_at", DateTime),
    Column("walk_at", DateTime),
    Column("results_at", DateTime),
    Column("qr_at", DateTime),
    Column("ended_at", DateTime),
    Column("consent", Boolean, nullable=False, default=False),
    Column("qa", Boolean, nullable=False, default=False),
    Column("lang", String(8), nullable=False),
    Column("sex", String(8)),  # "female" | "male" | None: picks the size curve, not identity
    Column("app_version", String(32), nullable=False),
    Column("model_versions", Text, nullable=False, default="{}"),
    Column("length_left_mm", Float),
    Column("length_right_mm", Float),
    Column("width_left_mm", Float),
    Column("width_right_mm", Float),
    Column("arch_height_left_mm", Float),
    Column("arch_height_right_mm", Float),
    Column("arch_type", String(16)),
    Column("arch_type_left", String(16)),
    Column("arch_type_right", String(16)),
    Column("eversion_left_deg", Float),
    Column("eversion_right_deg", Float),
    Column("rolling", String(16)),
    Column("rolling_left", String(16)),
    Column("rolling_right", String(16)),
    Column("cadence_spm", Float),
    Column("size_eu", Float),
    Column("size_uk", Float),
    Column("size_us_men", Float),
    Column("size_us_women", Float),
    Column("size_jp_cm", Float),
    Column("mondopoint", Integer),
    Column("width_letter", String(4)),
    Column("standing_report", Text),
    Column("gait_report", Text),
    Column("tries", Text),  # JSON list of WalkTry: before/after walks in catalogue products
    Column("answers", Text),  # the optional questionnaire, JSON of kiosk.advice.answers codes
    Column("plan_shown", Text),  # JSON list of the plan item ids the results screen showed
    Column("error", String(32)),  # the KioskError class a session ended on, if any
    Column("received_at", DateTime),  # HQ: when ingest last accepted it
)
Index("ix_sessions_retailer_day", sessions.c.retailer_id, sessions.c.day)
Index("ix_sessions_store_day", sessions.c.store_id, sessions.c.day)
Index("ix_sessions_day", sessions.c.day)
Index("ix_sessions_started", sessions.c.started_at)

recommendations = Table(
    "session_recommendations",
    metadata,
    Column(
        "session_id",
        String(36),
        ForeignKey("sessions.session_id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("rank", SmallInteger, primary_key=True),
    Column("product_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # "shoe" | "insole" | ...
    Column("name", String(200), nullable=False),
    Column("in_stock", Boolean, nullable=False),
    Column("reason", Text),
    # denormalised from the session so the dashboard needs no join
    Column("retailer_id", String(_ID), nullable=False),
    Column("store_id", String(_ID), nullable=False),
    Column("day", Date, nullable=False),
)
Index("ix_recs_retailer_day", recommendations.c.retailer_id, recommendations.c.day)

outbox = Table(
    "outbox",
    metadata,
    Column("session_id", String(36), primary_key=True),
    Column("version", Integer, nullable=False, default=1),
    Column("queued_at", DateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime, nullable=False),
    Column("last_error", String(300)),
)

accounts = Table(
    "accounts",
    metadata,
    Column("account_id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # staff | retailer | admin
    Column("secret_hash", String(200), nullable=False),
    Column("retailer_id", String(_ID)),  # scope of a retailer account
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", DateTime),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    # bumped by logout, a new secret and disabling: every session cookie signed with an
    # older value stops working, wherever a copy of it went
    Column("session_gen", Integer, nullable=False, default=0, server_default="0"),
)

tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # kiosk (HQ ingest) | retailer (read-only API)
    Column("name", String(100), nullable=False),
    Column("kiosk_id", String(_ID)),
    Column("retailer_id", String(_ID)),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime),
    Column("last_used_at", DateTime),
)

summary_links = Table(
    "summary_links",
    metadata,
    Column("link_hash", String(64), primary_key=True),
    Column(
        "session_id",
        String(36),
        ForeignKey("sessions.session_id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("expires_at", DateTime, nullable=False),
)

stores = Table(
    "stores",
    metadata,
    Column("store_id", String(_ID), primary_key=True),
    Column("retailer_id", String(_ID), nullable=False),
    Column("name", String(200), nullable=False),
)

kiosk_state = Table(
    "kiosk_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

qa_recordings = Table(
    "qa_recordings",
    metadata,
    Column("recording_id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(36), nullable=False),
    Column("path", String(500), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
)

# Daily rollups for the dashboard, kept by the store whenever sessions change
# (kiosk.store.rollup): year-long dashboards read thousands of rows, not every session.
# `metric`/`key`: hour/"0".."23", funnel/<stage>, size/"<sex>|<width>|<eu>", arch/<class>,
# rolling/<class>, oos_size/"<kind>|<eu>" (sessions shown an out-of-stock suggestion of
# that kind, by the shopper's EU size), tries/"<changed|same>|<product_id>" (walks in a
# product, and whether the rolling class differed from the first walk's). Derived data:
# `kiosk.store.rollup.rebuild` recomputes it from sessions.
daily_counts = Table(
    "daily_counts",
    metadata,
    Column("retailer_id", String(_ID), primary_key=True),
    Column("metric", String(16), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("store_id", String(_ID), primary_key=True),
    Column("key", String(80), primary_key=True),
    Column("sessions", Integer, nullable=False),
)

daily_recommendations = Table(
    "daily_recommendations",
    metadata,
    Column("retailer_id", String(_ID), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("store_id", String(_ID), primary_key=True),
    Column("product_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("recommended", Integer, nullable=False),
    Column("out_of_stock", Integer, nullable=False),
)
