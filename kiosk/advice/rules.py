"""Retailer-editable recommendation rules: a small declarative JSON format, no code.

A rules file lists rules; each has a condition on the shopper (`when`), and actions on
the catalogue: `prefer` adds points to matching products, `exclude` removes them, and
`explain` is the sentence the shopper sees for the products the rule favoured. Nothing
in a rules file is ever evaluated as code; conditions and fields come from fixed lists,
unknown keys are errors (with a suggestion), and explanation texts may only use the
placeholders listed in TEXT_PLACEHOLDERS. The format is documented in docs/METHOD.md.

    {"format": "kiosk.rules/1", "limits": {"shoe": 4, "insole": 2}, "min_score": 1,
     "rules": [{"id": "clear-overpronation", "kind": "shoe",
                "when": {"rolling": "overpronation", "rolling_clear": true},
                "prefer": {"category": {"stability": 3, "motion_control": 3}},
                "explain": "reason.rolling_clear_over"}]}
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from kiosk import i18n
from kiosk.advice.answers import ACHES, ACTIVITIES, HOURS_ON_FEET, SHOE_AGE_MONTHS, SHOE_KM
from kiosk.advice.catalogue import (
    ARCH_PROFILES,
    CATEGORIES,
    GENDERS,
    KINDS,
    SUPPORT_LEVELS,
    VersionedStore,
)
from kiosk.advice.programme import ENTRY_IDS, GENERAL_ID
from kiosk.advice.thresholds import ARCH_AHI, ROLLING_EVERSION
from kiosk.errors import CatalogueError

FORMAT = "kiosk.rules/1"
MAX_RULES_BYTES = 1024 * 1024
MAX_RULES = 200
MAX_POINTS = 10.0

# Product fields a rule may prefer or exclude, with their allowed values.
PRODUCT_FIELDS: dict[str, tuple[str, ...]] = {
    "kind": KINDS,
    "category": CATEGORIES,
    "support_level": SUPPORT_LEVELS,
    "arch_profile": ARCH_PROFILES,
    "gender": GENDERS,
}
ARCH_LABELS = ARCH_AHI.labels
ROLLING_LABELS = ROLLING_EVERSION["walking"].labels
WIDTH_CLASSES = ("narrow", "medium", "wide")

# Conditions on one foot: a rule's per-foot conditions must hold together on one foot
# (or on both, with "feet": "both").
FOOT_LABEL_FACTS = {"arch": ARCH_LABELS, "rolling": ROLLING_LABELS}
FOOT_BOOL_FACTS = ("arch_clear", "arch_borderline", "rolling_clear", "rolling_borderline")
FOOT_NUMBER_FACTS = ("ahi", "peak_eversion_deg", "knee_fppa_deg")
# Conditions on the shopper as a whole.
SHOPPER_LABEL_FACTS = {
    "gait": tuple(ROLLING_EVERSION),
    "sex": ("men", "women"),
    "width_class": WIDTH_CLASSES,
    # the optional questionnaire (kiosk/advice/answers.py); `aches` holds several codes
    # and matches when any of them is listed
    "aches": ACHES,
    "hours_on_feet": HOURS_ON_FEET,
    "activity": ACTIVITIES,
    "shoe_age_months": SHOE_AGE_MONTHS,
    "shoe_km": SHOE_KM,
}
SHOPPER_BOOL_FACTS = (
    "has_standing", "has_gait", "pain", "has_answers", "heels_at_work", "has_knee_angle",
)  # fmt: skip
COMBINATORS = ("not", "any", "feet")
NUMBER_OPS = ("lt", "le", "gt", "ge")

RULE_KEYS = ("id", "description", "kind", "when", "prefer", "exclude", "explain")
TOP_KEYS = ("format", "name", "description", "limits", "min_score", "rules", "plan")
# The personal plan (kiosk/advice/plan.py): parts a store switches off, and its own items.
PLAN_KEYS = ("off", "items")
PLAN_ITEM_KEYS = ("id", "section", "when", "text")
PLAN_ITEM_SECTIONS = ("exercise", "habit", "store")
MAX_PLAN_ITEMS = 20
# Placeholders a retailer's own explanation text may use.
TEXT_PLACEHOLDERS = ("side", "value", "label", "cut", "low_max", "high_min", "gait")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class RulesRejectedError(CatalogueError):
    """A rules file was rejected; `problems` lists the path and message of each fault."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(
            f"{source} rejected: "
            + "; ".join(problems[:30])
            + (f"; and {len(problems) - 30} more" if len(problems) > 30 else "")
            + "; the previous rules stay active"
        )


@dataclass(frozen=True)
class Rule:
    id: str
    when: dict[str, Any]
    kind: str | None = None
    prefer: dict[str, dict[str, float]] = field(default_factory=dict)
    exclude: dict[str, tuple[str, ...]] = field(default_factory=dict)
    explain: str | dict[str, str] | None = None
    description: str = ""


@dataclass(frozen=True)
class PlanItem:
    """A store's own plan item (e.g. its gait-analysis appointment), texts per language."""

    id: str
    section: str
    when: dict[str, Any]
    text: dict[str, str]


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...]
    limits: dict[str, int]
    min_score: float
    name: str = ""
    version: str | None = None
    plan_off: tuple[str, ...] = ()
    plan_items: tuple[PlanItem, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: list[dict[str, Any]] = []
        for r in self.rules:
            d: dict[str, Any] = {"id": r.id, "when": r.when}
            if r.description:
                d["description"] = r.description
            if r.kind:
                d["kind"] = r.kind
            if r.prefer:
                d["prefer"] = r.prefer
            if r.exclude:
                d["exclude"] = {k: list(v) for k, v in r.exclude.items()}
            if r.explain is not None:
                d["explain"] = r.explain
            out.append(d)
        doc: dict[str, Any] = {
            "format": FORMAT,
            "name": self.name,
            "limits": self.limits,
            "min_score": self.min_score,
            "rules": out,
        }
        if self.plan_off or self.plan_items:
            doc["plan"] = {
                "off": list(self.plan_off),
                "items": [
                    {"id": i.id, "section": i.section, "when": i.when, "text": i.text}
                    for i in self.plan_items
                ],
            }
        return doc


def _hint(value: str, choices: Any) -> str:
    m = get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f" (did you mean {m[0]!r}?)" if m else ""


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def err(self, path: str, msg: str) -> None:
        self.problems.append(f"{path}: {msg}")

    def labels(self, path: str, value: Any, allowed: tuple[str, ...]) -> None:
        values = value if isinstance(value, list) else [value]
        if not values:
            self.err(path, "empty list")
        for v in values:
            if not isinstance(v, str) or v not in allowed:
                self.err(path, f"{v!r} is not one of {', '.join(allowed)}{_hint(v, allowed)}")

    def when(self, path: str, cond: Any) -> None:
        if not isinstance(cond, dict):
            self.err(path, "must be an object of conditions")
            return
        known = (
            *FOOT_LABEL_FACTS, *FOOT_BOOL_FACTS, *FOOT_NUMBER_FACTS,
            *SHOPPER_LABEL_FACTS, *SHOPPER_BOOL_FACTS, *COMBINATORS,
        )  # fmt: skip
        for key, value in cond.items():
            p = f"{path}.{key}"
            if key in FOOT_LABEL_FACTS:
                self.labels(p, value, FOOT_LABEL_FACTS[key])
            elif key in SHOPPER_LABEL_FACTS:
                self.labels(p, value, SHOPPER_LABEL_FACTS[key])
            elif key in FOOT_BOOL_FACTS or key in SHOPPER_BOOL_FACTS:
                if not isinstance(value, bool):
                    self.err(p, "must be true or false")
            elif key in FOOT_NUMBER_FACTS:
                if not isinstance(value, dict) or not value:
                    self.err(p, 'must be an object like {"lt": 0.3}')
                    continue
                for op, num in value.items():
                    if op not in NUMBER_OPS:
                        self.err(f"{p}.{op}", f"unknown comparison{_hint(op, NUMBER_OPS)}")
                    elif isinstance(num, bool) or not isinstance(num, int | float):
                        self.err(f"{p}.{op}", "must be a number")
            elif key == "not":
                self.when(p, value)
            elif key == "any":
                if not isinstance(value, list) or not value:
                    self.err(p, "must be a non-empty list of condition objects")
                else:
                    for i, sub in enumerate(value):
                        self.when(f"{p}[{i}]", sub)
            elif key == "feet":
                if value not in ("any", "both"):
                    self.err(p, "must be 'any' or 'both'")
            else:
                self.err(p, f"unknown condition{_hint(key, known)}")

    def texts(self, path: str, value: Any) -> dict[str, str]:
        """Plain texts per language (no placeholders): a store's own plan item."""
        if not isinstance(value, dict) or not value:
            self.err(path, 'must be texts per language {"en": "...", "ja": "..."}')
            return {}
        if i18n.DEFAULT_LANG not in value:
            self.err(path, f"needs a text in {i18n.DEFAULT_LANG!r} (the fallback language)")
        out: dict[str, str] = {}
        for lang, text in value.items():
            if not isinstance(text, str) or not text.strip() or len(text) > 500:
                self.err(f"{path}.{lang}", "must be a non-empty text of at most 500 characters")
                continue
            try:
                names = i18n.placeholders(text)
            except ValueError as exc:
                self.err(f"{path}.{lang}", str(exc))
                continue
            if names:
                self.err(f"{path}.{lang}", "a plan item's text takes no {placeholders}")
                continue
            out[lang] = text
        return out

    def plan(self, path: str, value: Any) -> tuple[tuple[str, ...], tuple[PlanItem, ...]]:
        if not isinstance(value, dict):
            self.err(path, 'must be an object like {"off": ["short_foot"], "items": [...]}')
            return (), ()
        for key in value:
            if key not in PLAN_KEYS:
                self.err(f"{path}.{key}", f"unknown key{_hint(key, PLAN_KEYS)}")
        known = (*ENTRY_IDS, GENERAL_ID)
        off = value.get("off", [])
        if not isinstance(off, list):
            self.err(f"{path}.off", "must be a list of plan item ids")
            off = []
        for i, v in enumerate(off):
            if v not in known:
                self.err(f"{path}.off[{i}]", f"{v!r} is not a plan item{_hint(v, known)}")
        items: list[PlanItem] = []
        raw = value.get("items", [])
        if not isinstance(raw, list) or len(raw) > MAX_PLAN_ITEMS:
            self.err(f"{path}.items", f"must be a list of at most {MAX_PLAN_ITEMS} items")
            raw = []
        ids = set(known)
        for i, item in enumerate(raw):
            p = f"{path}.items[{i}]"
            if not isinstance(item, dict):
                self.err(p, "must be an object")
                continue
            for key in item:
                if key not in PLAN_ITEM_KEYS:
                    self.err(f"{p}.{key}", f"unknown key{_hint(key, PLAN_ITEM_KEYS)}")
            iid = item.get("id")
            if not isinstance(iid, str) or not _ID_RE.match(iid):
                self.err(f"{p}.id", "needs an id of lower-case letters, digits, - and _")
            elif iid in ids:
                self.err(f"{p}.id", "is used twice or names a built-in plan item")
            else:
                ids.add(iid)
            section = item.get("section", "store")
            if section not in PLAN_ITEM_SECTIONS:
                self.err(f"{p}.section", f"must be one of {', '.join(PLAN_ITEM_SECTIONS)}")
            when = item.get("when", {})
            self.when(f"{p}.when", when)
            text = self.texts(f"{p}.text", item.get("text"))
            when = when if isinstance(when, dict) else {}
            items.append(PlanItem(str(iid), str(section), when, text))
        return tuple(str(v) for v in off), tuple(items)

    def prefer(self, path: str, value: Any) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        if not isinstance(value, dict):
            self.err(path, 'must be an object like {"category": {"stability": 2}}')
            return out
        for fld, points in value.items():
            p = f"{path}.{fld}"
            if fld not in PRODUCT_FIELDS:
                self.err(p, f"unknown product field{_hint(fld, PRODUCT_FIELDS)}")
                continue
            if not isinstance(points, dict) or not points:
                self.err(p, 'must map values to points, e.g. {"stability": 2}')
                continue
            out[fld] = {}
            for v, pts in points.items():
                if v not in PRODUCT_FIELDS[fld]:
                    allowed = PRODUCT_FIELDS[fld]
                    self.err(f"{p}.{v}", f"not one of {', '.join(allowed)}{_hint(v, allowed)}")
                elif isinstance(pts, bool) or not isinstance(pts, int | float):
                    self.err(f"{p}.{v}", "points must be a number")
                elif abs(pts) > MAX_POINTS:
                    self.err(f"{p}.{v}", f"points must be within -{MAX_POINTS:g}..{MAX_POINTS:g}")
                else:
                    out[fld][v] = float(pts)
        return out

    def exclude(self, path: str, value: Any) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        if not isinstance(value, dict):
            self.err(path, 'must be an object like {"category": ["motion_control"]}')
            return out
        for fld, values in value.items():
            p = f"{path}.{fld}"
            if fld not in PRODUCT_FIELDS:
                self.err(p, f"unknown product field{_hint(fld, PRODUCT_FIELDS)}")
                continue
            self.labels(p, values, PRODUCT_FIELDS[fld])
            out[fld] = tuple(values if isinstance(values, list) else [values])
        return out

    def explain(self, path: str, value: Any) -> str | dict[str, str] | None:
        if value is None:
            return None
        if isinstance(value, str):
            if not i18n.has_key(value):
                self.err(
                    path,
                    f"unknown message key {value!r}; give a key from the "
                    'translation table or texts per language {"en": "...", "ja": "..."}',
                )
            return value
        if isinstance(value, dict) and value:
            if i18n.DEFAULT_LANG not in value:
                self.err(path, f"needs a text in {i18n.DEFAULT_LANG!r} (the fallback language)")
            for lang, text in value.items():
                if not isinstance(text, str) or not text.strip():
                    self.err(f"{path}.{lang}", "must be a non-empty text")
                    continue
                if len(text) > 500:
                    self.err(f"{path}.{lang}", "is longer than 500 characters")
                try:
                    names = i18n.placeholders(text)
                except ValueError as exc:
                    self.err(f"{path}.{lang}", str(exc))
                    continue
                for n in sorted(names - set(TEXT_PLACEHOLDERS)):
                    self.err(
                        f"{path}.{lang}",
                        f"unknown placeholder {{{n}}}; allowed: "
                        + ", ".join("{" + x + "}" for x in TEXT_PLACEHOLDERS),
                    )
            return dict(value)
        self.err(path, "must be a message key or an object of texts per language")
        return None


def parse_rules(doc: Any, source: str = "rules.json") -> Rules:
    """Validate a parsed rules document; RulesRejectedError lists every problem with its path."""
    c = _Checker()
    if not isinstance(doc, dict):
        raise RulesRejectedError(source, ["the file must hold a JSON object"])
    if doc.get("format") != FORMAT:
        c.err("format", f"must be {FORMAT!r}")
    for key in doc:
        if key not in TOP_KEYS:
            c.err(key, f"unknown key{_hint(key, TOP_KEYS)}")
    limits = doc.get("limits", {"shoe": 4, "insole": 2})
    if not isinstance(limits, dict) or any(
        k not in KINDS or isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 20
        for k, v in limits.items()
    ):
        c.err("limits", 'must be like {"shoe": 4, "insole": 2} (0..20 each)')
        limits = {}
    min_score = doc.get("min_score", 0)
    if isinstance(min_score, bool) or not isinstance(min_score, int | float):
        c.err("min_score", "must be a number")
        min_score = 0
    raw_rules = doc.get("rules")
    rules: list[Rule] = []
    if not isinstance(raw_rules, list) or not raw_rules:
        c.err("rules", "must be a non-empty list")
        raw_rules = []
    if len(raw_rules) > MAX_RULES:
        c.err("rules", f"more than {MAX_RULES} rules")
    seen: set[str] = set()
    for i, r in enumerate(raw_rules):
        path = f"rules[{i}]"
        if not isinstance(r, dict):
            c.err(path, "must be an object")
            continue
        rid = r.get("id")
        if isinstance(rid, str):
            path = f"rules[{i}] ({rid})"
        for key in r:
            if key not in RULE_KEYS:
                c.err(f"{path}.{key}", f"unknown key{_hint(key, RULE_KEYS)}")
        if not isinstance(rid, str) or not _ID_RE.match(rid):
            c.err(f"{path}.id", "needs an id of lower-case letters, digits, - and _")
        elif rid in seen:
            c.err(f"{path}.id", "is used twice")
        else:
            seen.add(rid)
        kind = r.get("kind")
        if kind is not None and kind not in KINDS:
            c.err(f"{path}.kind", f"must be one of {', '.join(KINDS)}")
        when = r.get("when", {})
        c.when(f"{path}.when", when)
        prefer = c.prefer(f"{path}.prefer", r["prefer"]) if "prefer" in r else {}
        exclude = c.exclude(f"{path}.exclude", r["exclude"]) if "exclude" in r else {}
        if not prefer and not exclude:
            c.err(path, "needs a 'prefer' or an 'exclude' action")
        explain = c.explain(f"{path}.explain", r.get("explain"))
        desc = r.get("description", "")
        if not isinstance(desc, str):
            c.err(f"{path}.description", "must be a text")
            desc = ""
        rules.append(
            Rule(
                id=str(rid),
                when=when if isinstance(when, dict) else {},
                kind=kind,
                prefer=prefer,
                exclude=exclude,
                explain=explain,
                description=desc,
            )
        )
    plan_off, plan_items = c.plan("plan", doc["plan"]) if "plan" in doc else ((), ())
    if c.problems:
        raise RulesRejectedError(source, c.problems)
    return Rules(
        rules=tuple(rules),
        limits={"shoe": 4, "insole": 2, **limits},
        min_score=float(min_score),
        name=str(doc.get("name", "")),
        plan_off=plan_off,
        plan_items=plan_items,
    )


def parse_rules_bytes(data: bytes, source: str = "rules.json") -> Rules:
    """Validate rules from the bytes of an uploaded file (size, encoding, JSON, content)."""
    if len(data) > MAX_RULES_BYTES:
        raise RulesRejectedError(source, [f"the file is larger than {MAX_RULES_BYTES} bytes"])
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RulesRejectedError(source, ["not UTF-8 text"]) from None
    except json.JSONDecodeError as exc:
        raise RulesRejectedError(source, [f"line {exc.lineno}: invalid JSON: {exc.msg}"]) from None
    return parse_rules(doc, source)


def default_rules_path() -> Path:
    return Path(__file__).with_name("data") / "default_rules.json"


def load_rules(path: str | os.PathLike[str] | None = None) -> Rules:
    """Rules from a file, or the shipped evidence-based defaults."""
    path = Path(path) if path is not None else default_rules_path()
    if path.stat().st_size > MAX_RULES_BYTES:
        raise RulesRejectedError(path.name, [f"the file is larger than {MAX_RULES_BYTES} bytes"])
    return parse_rules_bytes(path.read_bytes(), path.name)


class RulesStore(VersionedStore):
    """Versions of a store's rules, switched atomically like the catalogue's."""

    payload_name = "rules.json"

    def import_bytes(self, data: bytes, filename: str = "rules.json") -> str:
        rules = parse_rules_bytes(data, filename)  # raises before anything is written
        meta = {"source": filename, "rules": len(rules.rules)}
        version = self._write_version(rules.to_json(), meta, None, filename)
        self.activate(version)
        return version

    def load(self, version: str | None = None) -> Rules:
        name, doc = self.read_payload(version)
        rules = parse_rules(doc, f"rules version {name}")
        return Rules(
            rules.rules,
            rules.limits,
            rules.min_score,
            rules.name,
            version=name,
            plan_off=rules.plan_off,
            plan_items=rules.plan_items,
        )

    def load_or_default(self) -> Rules:
        return load_rules() if self.active_version() is None else self.load()
