"""The anonymous session record: what a kiosk stores and forwards to HQ (`kiosk.session/1`).

It is validated the same way when a kiosk writes it and when HQ ingests it, so a record
that reaches the database is well-formed whichever way it came. Unknown fields are
rejected: a field that could carry an identity cannot slip in unnoticed.
"""

from __future__ import annotations

import functools
import json
import math
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import jsonschema
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from kiosk.advice.answers import Answers
from kiosk.report import STORED_REPORT_JSON_SCHEMA

RECORD_SCHEMA = "kiosk.session/1"
MAX_REPORT_JSON_CHARS = 64_000
_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
_LABEL = r"^[a-z_]{1,16}$"
# a plan item's id (kiosk.advice.programme, or a store's own rules id)
PlanItemId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]


@functools.cache
def _report_validator() -> Any:
    """The report JSON Schema compiled once (checking the schema itself per call is slow)."""
    cls = jsonschema.validators.validator_for(STORED_REPORT_JSON_SCHEMA)
    return cls(STORED_REPORT_JSON_SCHEMA)


def utcnow() -> datetime:
    """Now, naive UTC (the database convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_naive_utc(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return t


class Recommendation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=200)
    in_stock: bool = True
    reason: str | None = Field(None, max_length=2000)


def _check_report(v: dict[str, Any], expected: str) -> dict[str, Any]:
    """A `kiosk.report/1` report of kind `expected`, else ValueError with the reason."""
    text = json.dumps(v, allow_nan=False)  # NaN/inf are not JSON; reject them here
    if len(text) > MAX_REPORT_JSON_CHARS:
        raise ValueError("report too large")
    err = next(iter(_report_validator().iter_errors(v)), None)
    if err is not None:
        where = err.json_path.replace("$", "report", 1)
        raise ValueError(f"not a kiosk.report/1 report at {where}: {err.message[:200]}")
    if v.get("kind") != expected:
        raise ValueError(f"expected a {expected} report")
    return v


MAX_TRIES = 5  # before/after walks per visit (each carries a gait report)


class WalkTry(BaseModel):
    """A second walk in a product from the catalogue, to compare with the first walk."""

    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=200)
    walked_at: datetime
    gait: dict[str, Any]

    @field_validator("walked_at")
    @classmethod
    def _utc(cls, v: datetime) -> datetime:
        return to_naive_utc(v)

    @field_validator("gait")
    @classmethod
    def _report(cls, v: dict[str, Any]) -> dict[str, Any]:
        return _check_report(v, "gait")


FUNNEL_STAGES = ("consent", "standing", "walk", "results", "qr")


class SessionRecord(BaseModel):
    """One shopper visit, anonymous. Reports are `kiosk.report/1` dicts (numbers only)."""

    model_config = ConfigDict(extra="forbid")

    schema_: Literal["kiosk.session/1"] = Field(RECORD_SCHEMA, alias="schema")
    session_id: str
    kiosk_id: str = Field(pattern=_ID_PATTERN)
    store_id: str = Field(pattern=_ID_PATTERN)
    retailer_id: str = Field(pattern=_ID_PATTERN)
    started_at: datetime
    updated_at: datetime
    consent_at: datetime | None = None
    standing_at: datetime | None = None
    walk_at: datetime | None = None
    results_at: datetime | None = None
    qr_at: datetime | None = None
    ended_at: datetime | None = None
    consent: bool = False
    qa: bool = False
    lang: str = Field("en", pattern=r"^[a-z]{2}(-[A-Za-z]{2})?$")
    sex: Literal["female", "male"] | None = None
    app_version: str = Field(max_length=32, pattern=r"^[A-Za-z0-9_.+-]{1,32}$")
    model_versions: dict[str, str] = Field(default_factory=dict, max_length=32)
    standing: dict[str, Any] | None = None
    gait: dict[str, Any] | None = None
    recommendations: list[Recommendation] = Field(default_factory=list, max_length=50)
    tries: list[WalkTry] = Field(default_factory=list, max_length=MAX_TRIES)
    # the optional questionnaire (codes from a closed list; None: skipped or not reached)
    answers: Answers | None = None
    # which items of the personal plan the results screen showed (for the dashboard)
    plan_shown: list[PlanItemId] = Field(default_factory=list, max_length=64)
    error: str | None = Field(None, pattern=r"^[A-Za-z]{1,32}$")

    @field_validator("session_id")
    @classmethod
    def _uuid(cls, v: str) -> str:
        return str(uuid.UUID(v))

    @field_validator(
        "started_at",
        "updated_at",
        "consent_at",
        "standing_at",
        "walk_at",
        "results_at",
        "qr_at",
        "ended_at",
    )
    @classmethod
    def _utc(cls, v: datetime | None) -> datetime | None:
        v = to_naive_utc(v)
        if v is not None and not (2000 <= v.year <= 2200):
            raise ValueError("timestamp out of range")
        return v

    @field_validator("model_versions")
    @classmethod
    def _versions(cls, v: dict[str, str]) -> dict[str, str]:
        for k, val in v.items():
            if len(k) > 64 or len(val) > 128:
                raise ValueError("model version entries are at most 64/128 characters")
        return v

    @field_validator("standing", "gait")
    @classmethod
    def _report(cls, v: dict[str, Any] | None, info: Any) -> dict[str, Any] | None:
        if v is None:
            return None
        return _check_report(v, "standing" if info.field_name == "standing" else "gait")

    @model_validator(mode="after")
    def _order(self) -> SessionRecord:
        if self.updated_at < self.started_at:
            raise ValueError("updated_at precedes started_at")
        if self.standing is not None and not self.consent:
            raise ValueError("a measurement without consent")
        if self.answers is not None and not self.consent:
            raise ValueError("questionnaire answers without consent")
        return self

    def payload(self) -> dict[str, Any]:
        """The JSON wire form (what HQ ingests)."""
        return self.model_dump(mode="json", by_alias=True)


def new_record(
    *,
    kiosk_id: str,
    store_id: str,
    retailer_id: str,
    lang: str,
    app_version: str,
    model_versions: dict[str, str] | None = None,
) -> SessionRecord:
    now = utcnow()
    return SessionRecord(
        session_id=str(uuid.uuid4()),
        kiosk_id=kiosk_id,
        store_id=store_id,
        retailer_id=retailer_id,
        started_at=now,
        updated_at=now,
        lang=lang,
        app_version=app_version,
        model_versions=model_versions or {},
    )


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return None
    return float(x)


def _label(x: Any) -> str | None:
    return x if isinstance(x, str) and len(x) <= 16 else None


_ARCH_ORDER = {"normal": 0, "high": 1, "low": 2}  # a low arch is the one that needs support
_ROLL_ORDER = {"neutral": 0, "underpronation": 1, "overpronation": 2}


def _worse(a: str | None, b: str | None, order: dict[str, int]) -> str | None:
    """The foot class that matters more for advice (both feet are reported separately)."""
    vals = [x for x in (a, b) if x is not None]
    if not vals:
        return None
    return max(vals, key=lambda v: order.get(v, -1))


def rolling_of(gait: dict[str, Any] | None) -> str | None:
    """A gait report's rolling class for the dashboard: the foot that matters more."""
    feet = (gait or {}).get("feet") or {}
    labels = [_label((feet.get(s) or {}).get("rolling")) for s in ("left", "right")]
    return _worse(labels[0], labels[1], _ROLL_ORDER)


def flatten(rec: SessionRecord) -> dict[str, Any]:
    """The `sessions` row for a record (numbers pulled out of the reports for the dashboard)."""
    st = rec.standing or {}
    ga = rec.gait or {}
    sf = st.get("feet") or {}
    gf = ga.get("feet") or {}
    lf, rf = sf.get("left") or {}, sf.get("right") or {}
    lg, rg = gf.get("left") or {}, gf.get("right") or {}
    size = st.get("size") or {}
    mondo = _num(size.get("mondopoint"))
    row = {
        "session_id": rec.session_id,
        "kiosk_id": rec.kiosk_id,
        "store_id": rec.store_id,
        "retailer_id": rec.retailer_id,
        "started_at": rec.started_at,
        "updated_at": rec.updated_at,
        "day": rec.started_at.date(),
        "hour": rec.started_at.hour,
        "consent_at": rec.consent_at,
        "standing_at": rec.standing_at,
        "walk_at": rec.walk_at,
        "results_at": rec.results_at,
        "qr_at": rec.qr_at,
        "ended_at": rec.ended_at,
        "consent": rec.consent,
        "qa": rec.qa,
        "lang": rec.lang,
        "sex": rec.sex,
        "app_version": rec.app_version,
        "model_versions": json.dumps(rec.model_versions, sort_keys=True),
        "length_left_mm": _num(lf.get("length_mm")),
        "length_right_mm": _num(rf.get("length_mm")),
        "width_left_mm": _num(lf.get("width_mm")),
        "width_right_mm": _num(rf.get("width_mm")),
        "arch_height_left_mm": _num(lf.get("arch_height_mm")),
        "arch_height_right_mm": _num(rf.get("arch_height_mm")),
        "arch_type_left": _label(lf.get("arch_type")),
        "arch_type_right": _label(rf.get("arch_type")),
        "eversion_left_deg": _num(lg.get("peak_eversion_deg")),
        "eversion_right_deg": _num(rg.get("peak_eversion_deg")),
        "rolling_left": _label(lg.get("rolling")),
        "rolling_right": _label(rg.get("rolling")),
        "cadence_spm": _num(ga.get("cadence_spm")),
        "size_eu": _num(size.get("eu")),
        "size_uk": _num(size.get("uk")),
        "size_us_men": _num(size.get("us_men")),
        "size_us_women": _num(size.get("us_women")),
        "size_jp_cm": _num(size.get("jp_cm")),
        "mondopoint": int(mondo) if mondo is not None else None,
        "width_letter": size.get("width") if isinstance(size.get("width"), str) else None,
        "standing_report": json.dumps(rec.standing) if rec.standing is not None else None,
        "gait_report": json.dumps(rec.gait) if rec.gait is not None else None,
        "tries": json.dumps([t.model_dump(mode="json") for t in rec.tries]) if rec.tries else None,
        "answers": (
            json.dumps(rec.answers.model_dump(mode="json"), sort_keys=True)
            if rec.answers is not None
            else None
        ),
        "plan_shown": json.dumps(rec.plan_shown) if rec.plan_shown else None,
        "error": rec.error,
    }
    row["arch_type"] = _worse(row["arch_type_left"], row["arch_type_right"], _ARCH_ORDER)
    row["rolling"] = _worse(row["rolling_left"], row["rolling_right"], _ROLL_ORDER)
    if row["width_letter"] is not None and len(row["width_letter"]) > 4:
        row["width_letter"] = None
    return row


def unflatten(row: Any, recs: list[Any]) -> SessionRecord:
    """The record back from its `sessions` row and its recommendation rows."""
    m = row._mapping
    return SessionRecord.model_validate(
        {
            "schema": RECORD_SCHEMA,
            **{
                k: m[k]
                for k in (
                    "session_id",
                    "kiosk_id",
                    "store_id",
                    "retailer_id",
                    "started_at",
                    "updated_at",
                    "consent_at",
                    "standing_at",
                    "walk_at",
                    "results_at",
                    "qr_at",
                    "ended_at",
                    "consent",
                    "qa",
                    "lang",
                    "sex",
                    "app_version",
                    "error",
                )
            },
            "model_versions": json.loads(m["model_versions"] or "{}"),
            "standing": json.loads(m["standing_report"]) if m["standing_report"] else None,
            "gait": json.loads(m["gait_report"]) if m["gait_report"] else None,
            "tries": json.loads(m["tries"]) if m["tries"] else [],
            "answers": json.loads(m["answers"]) if m["answers"] else None,
            "plan_shown": json.loads(m["plan_shown"]) if m["plan_shown"] else [],
            "recommendations": [
                {
                    "product_id": r.product_id,
                    "kind": r.kind,
                    "name": r.name,
                    "in_stock": r.in_stock,
                    "reason": r.reason,
                }
                for r in recs
            ],
        }
    )
