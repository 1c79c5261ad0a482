"""Recommendations: products the store stocks in the shopper's size and width, ranked by rules.

Order of work: size and width first (only what fits and is in stock can be listed), then
the retailer's rules exclude and score, then the best few per kind are listed, each with
the size and width to fetch and the reasons in the shopper's language. When nothing
fits, the result says so and names the nearest options. Every result carries the
advice-not-diagnosis wording and the pointer to a clinician for pain.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from kiosk import i18n
from kiosk.advice.answers import Answers
from kiosk.advice.catalogue import ANY_WIDTH, Catalogue, Product, SizeToken
from kiosk.advice.classes import arch_class, gait_of, rolling_class
from kiosk.advice.rules import (
    FOOT_BOOL_FACTS,
    FOOT_LABEL_FACTS,
    FOOT_NUMBER_FACTS,
    SHOPPER_BOOL_FACTS,
    SHOPPER_LABEL_FACTS,
    Rule,
    Rules,
)
from kiosk.advice.sizes import (
    JIS_GRADES,
    MEDIUM_WIDTH,
    SYSTEMS,
    WIDTH_LETTERS,
    estimated_girth_mm,
    jis_width_grade,
    pair_sizes,
    sex_key,
    us_width_letter,
)
from kiosk.advice.thresholds import NEAREST_MAX_SIZE_STEPS, WIDTH_LETTERS_WIDER_ALLOWED

log = logging.getLogger(__name__)

SCHEMA = "kiosk.advice/1"
SIDES = ("left", "right")
MAX_NEAREST = 3


# --- the shopper as facts rules can test -----------------------------------------------


@dataclass
class FootFacts:
    side: str
    length_mm: float | None = None
    width_mm: float | None = None
    arch: dict | None = None
    rolling: dict | None = None
    knee_fppa_deg: float | None = None  # pose block, front/rear views only

    def fact(self, key: str) -> Any:
        if key in ("arch", "rolling"):
            cls = getattr(self, key)
            return None if cls is None else cls["label"]
        if key.endswith("_clear") or key.endswith("_borderline"):
            cls = getattr(self, key.split("_")[0])
            return None if cls is None or cls["label"] is None else cls[key.split("_", 1)[1]]
        if key == "ahi":
            return None if self.arch is None else self.arch["value"]
        if key == "peak_eversion_deg":
            return None if self.rolling is None else self.rolling["value"]
        if key == "knee_fppa_deg":
            return self.knee_fppa_deg
        raise KeyError(key)


@dataclass
class ShopperFacts:
    feet: dict[str, FootFacts]
    sex: str | None
    gait: str | None
    has_standing: bool
    has_gait: bool
    pain: bool
    width_class: str | None = None
    size_block: dict | None = None
    answers: Answers | None = None
    has_knee_angle: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    # questionnaire facts: None (or empty) when the shopper skipped it or the question
    @property
    def has_answers(self) -> bool:
        return self.answers is not None and not self.answers.is_empty()

    @property
    def aches(self) -> tuple[str, ...]:
        return self.answers.aches if self.answers else ()

    @property
    def hours_on_feet(self) -> str | None:
        return self.answers.hours_on_feet if self.answers else None

    @property
    def activity(self) -> str | None:
        return self.answers.activity if self.answers else None

    @property
    def shoe_age_months(self) -> str | None:
        return self.answers.shoe_age_months if self.answers else None

    @property
    def shoe_km(self) -> str | None:
        return self.answers.shoe_km if self.answers else None

    @property
    def heels_at_work(self) -> bool | None:
        return self.answers.heels_at_work if self.answers else None

    def fact(self, key: str) -> Any:
        return getattr(self, key)


def _knee_angles(gait_report: dict) -> dict[str, float]:
    """Knee frontal-plane angles at mid-stance from the pose block, where it is reliable."""
    pose = gait_report.get("pose")
    if not isinstance(pose, dict) or not pose.get("frontal_plane_reliable"):
        return {}
    fppa = pose.get("knee_fppa_midstance_deg")
    if not isinstance(fppa, dict):
        return {}
    return {
        s: float(v)
        for s in SIDES
        if isinstance(v := fppa.get(s), int | float) and not isinstance(v, bool)
    }


def shopper_facts(
    standing: dict | None,
    gait_report: dict | None,
    sex: str | None = None,
    pain: bool = False,
    answers: Answers | None = None,
) -> ShopperFacts:
    """Classes, sizes and flags for one shopper from their (optional) two reports and
    (optional) questionnaire answers; reported aches count as pain."""
    try:
        skey = None if not sex else sex_key(sex)
    except ValueError:  # "other", "unspecified": no sex-specific scale or products
        skey = None
    feet = {side: FootFacts(side) for side in SIDES}
    has_standing = False
    if standing:
        for side in SIDES:
            f = (standing.get("feet") or {}).get(side) or {}
            feet[side].length_mm = f.get("length_mm")
            feet[side].width_mm = f.get("width_mm")
            if f.get("arch_height_index") is not None:
                feet[side].arch = arch_class(f.get("arch_height_index"), f.get("confidence"))
        has_standing = any(feet[s].length_mm is not None for s in SIDES)
    gait = None
    has_gait = False
    if gait_report:
        gait = gait_of(gait_report)
        for side in SIDES:
            f = (gait_report.get("feet") or {}).get(side) or {}
            if f.get("peak_eversion_deg") is not None:
                feet[side].rolling = rolling_class(
                    f.get("peak_eversion_deg"), gait, f.get("confidence")
                )
                has_gait = True
    knees = _knee_angles(gait_report) if gait_report else {}
    for side, deg in knees.items():
        feet[side].knee_fppa_deg = deg
    pain = bool(pain) or (answers is not None and answers.pain)
    facts = ShopperFacts(
        feet, skey, gait, has_standing, has_gait, pain, answers=answers, has_knee_angle=bool(knees)
    )
    if has_standing:
        facts.size_block = pair_sizes(
            (standing.get("feet") or {}).get("left") or {},
            (standing.get("feet") or {}).get("right") or {},
            skey,
        )
        letter = facts.size_block.get("width")
        if letter is not None:
            medium = WIDTH_LETTERS.index(MEDIUM_WIDTH[skey or "men"])
            idx = WIDTH_LETTERS.index(letter)
            facts.width_class = "narrow" if idx < medium else "wide" if idx > medium else "medium"
    return facts


# --- conditions ---------------------------------------------------------------------------


def _label_ok(value: Any, want: Any) -> bool:
    wants = want if isinstance(want, list) else [want]
    if isinstance(value, tuple):  # a fact with several values (aches): any one listed
        return any(v in wants for v in value)
    return value is not None and value in wants


def _number_ok(value: Any, ops: dict[str, float]) -> bool:
    if value is None:
        return False
    checks = {
        "lt": value < ops.get("lt", float("inf")),
        "le": value <= ops.get("le", float("inf")),
        "gt": value > ops.get("gt", float("-inf")),
        "ge": value >= ops.get("ge", float("-inf")),
    }
    return all(checks[op] for op in ops)


def _foot_ok(foot: FootFacts, cond: dict) -> bool:
    for key, want in cond.items():
        value = foot.fact(key)
        if key in FOOT_LABEL_FACTS and not _label_ok(value, want):
            return False
        if key in FOOT_BOOL_FACTS and value is not want:
            return False
        if key in FOOT_NUMBER_FACTS and not _number_ok(value, want):
            return False
    return True


_FOOT_KEYS = (*FOOT_LABEL_FACTS, *FOOT_BOOL_FACTS, *FOOT_NUMBER_FACTS)


def matches(when: dict, facts: ShopperFacts) -> tuple[bool, tuple[str, ...]]:
    """Whether a condition holds, and on which feet (all measured feet if none is named)."""
    for key, want in when.items():
        if key in SHOPPER_LABEL_FACTS and not _label_ok(facts.fact(key), want):
            return False, ()
        if key in SHOPPER_BOOL_FACTS and facts.fact(key) is not want:
            return False, ()
        if key == "not" and matches(want, facts)[0]:
            return False, ()
    sides: tuple[str, ...] = tuple(
        s for s in SIDES if facts.feet[s].length_mm is not None or facts.feet[s].rolling
    )
    if "any" in when:
        hits = [matches(sub, facts) for sub in when["any"]]
        ok = [h for h in hits if h[0]]
        if not ok:
            return False, ()
        sides = tuple(s for s in SIDES if any(s in h[1] for h in ok))
    foot_cond = {k: v for k, v in when.items() if k in _FOOT_KEYS}
    if foot_cond:
        on = tuple(s for s in SIDES if _foot_ok(facts.feet[s], foot_cond))
        if when.get("feet") == "both":
            if len(on) < 2:
                return False, ()
        elif not on:
            return False, ()
        sides = on
    return True, sides


# --- fitting a product ------------------------------------------------------------------------


@dataclass(frozen=True)
class Fetch:
    size_system: str
    size: str
    width: str
    width_delta: int  # letters wider than measured (0 = as measured)
    size_delta: float = 0.0  # stocked size minus the shopper's, in the system's units

    def to_dict(self) -> dict[str, Any]:
        return {
            "size_system": self.size_system,
            "size": self.size,
            "width": self.width,
            "width_delta": self.width_delta,
        }


def _shopper_width(product: Product, facts: ShopperFacts) -> tuple[tuple[str, ...], int | None]:
    """The width scale a product uses and the shopper's position on it (wider foot)."""
    key = ("width", product.width_scale, product.gender == "women")
    if key not in facts.extra:
        facts.extra[key] = _compute_shopper_width(product, facts)
    return facts.extra[key]


def _compute_shopper_width(
    product: Product, facts: ShopperFacts
) -> tuple[tuple[str, ...], int | None]:
    feet = [f for f in facts.feet.values() if f.length_mm is not None and f.width_mm is not None]
    if product.width_scale == "jis":
        key = "women" if product.gender == "women" else "men"
        scale = JIS_GRADES[key]
        grades = [
            jis_width_grade(f.length_mm, estimated_girth_mm(f.length_mm, f.width_mm, key), key)
            for f in feet
        ]
        return scale, max((scale.index(g) for g in grades), default=None)
    scale_key = product.width_scale
    letters = [us_width_letter(f.length_mm, f.width_mm, scale_key) for f in feet]
    return WIDTH_LETTERS, max((WIDTH_LETTERS.index(w) for w in letters), default=None)


def shopper_size(product: Product, facts: ShopperFacts) -> float:
    """The shopper's size in the product's system and step (the longer foot decides)."""
    key = ("size", product.size_system, product.size_step)
    if key in facts.extra:
        return facts.extra[key]
    length = max(f.length_mm for f in facts.feet.values() if f.length_mm is not None)
    facts.extra[key] = SYSTEMS[product.size_system].size(length, product.size_step)
    return facts.extra[key]


def _width_index(scale: tuple[str, ...], width: str) -> int | None:
    return scale.index(width) if width in scale else None


def fit(product: Product, facts: ShopperFacts) -> Fetch | None:
    """What to fetch of `product` for this shopper, or None if their size/width is not in stock."""
    size = shopper_size(product, facts)
    scale, own = _shopper_width(product, facts)
    options: list[tuple[int, str, SizeToken]] = []
    for width, tokens in product.stock.items():
        if width == ANY_WIDTH:
            delta = 0
        else:
            idx = _width_index(scale, width)
            if own is None or idx is None:
                continue
            delta = idx - own
            if not 0 <= delta <= WIDTH_LETTERS_WIDER_ALLOWED:
                continue
        for tok in tokens:
            if tok.covers(size):
                options.append((delta, width, tok))
                break
    if not options:
        return None
    delta, width, tok = min(options, key=lambda o: o[0])
    return Fetch(product.size_system, tok.label, width, delta)


def _distance(tok: SizeToken, size: float) -> float:
    """Stocked size minus the shopper's size; 0 when the token covers it."""
    if tok.covers(size):
        return 0.0
    return tok.lo - size if tok.lo > size else tok.hi - size


def nearest(product: Product, facts: ShopperFacts) -> tuple[float, Fetch] | None:
    """The closest stocked size/width of a product that does not fit, with its distance."""
    size = shopper_size(product, facts)
    step = product.size_step
    scale, own = _shopper_width(product, facts)
    best: tuple[float, Fetch] | None = None
    for width, tokens in product.stock.items():
        if width == ANY_WIDTH:
            wdelta = 0
        else:
            idx = _width_index(scale, width)
            if own is None or idx is None:
                continue
            wdelta = idx - own
        for tok in tokens:
            sdelta = _distance(tok, size)
            if abs(sdelta) / step > NEAREST_MAX_SIZE_STEPS + 1e-9:
                continue
            # a narrower shoe than the foot is worse than a wider one
            cost = abs(sdelta) / step + abs(wdelta) + (1.0 if wdelta < 0 else 0.0)
            if best is None or cost < best[0]:
                best = (cost, Fetch(product.size_system, tok.label, width, wdelta, sdelta))
    return best


# --- explanations -------------------------------------------------------------------------


def _fmt(x: float | None, digits: int) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _sides_text(sides: tuple[str, ...], lang: str) -> str:
    if len(sides) == 2:
        return i18n.t("side.both", lang)
    return i18n.t(f"side.{sides[0]}", lang) if sides else ""


def _referenced(when: dict) -> set[str]:
    keys = set(k for k in when if k not in ("not", "any", "feet"))
    for sub in when.get("any", []):
        keys |= _referenced(sub)
    return keys


def _rule_kw(rule: Rule, sides: tuple[str, ...], facts: ShopperFacts, lang: str) -> dict:
    keys = _referenced(rule.when)
    uses_arch = any(k.startswith("arch") or k == "ahi" for k in keys)
    cls_key = "arch" if uses_arch else "rolling"
    classes = [getattr(facts.feet[s], cls_key) for s in sides]
    classes = [c for c in classes if c is not None and c["value"] is not None]
    digits = 3 if cls_key == "arch" else 1
    kw: dict[str, Any] = {
        "side": _sides_text(sides, lang),
        "gait": i18n.t(f"gait.{facts.gait}", lang) if facts.gait else "",
        "value": " / ".join(_fmt(c["value"], digits) for c in classes) or "–",
        "label": "",
        "cut": "",
        "low_max": "",
        "high_min": "",
    }
    if classes:
        c = classes[0]
        kw.update(
            label=i18n.t(f"{cls_key}.{c['label']}", lang),
            low_max=_fmt(c["thresholds"]["low_max"], digits),
            high_min=_fmt(c["thresholds"]["high_min"], digits),
        )
        cut = (
            c["thresholds"]["high_min"]
            if abs(c["value"] - c["thresholds"]["high_min"])
            < abs(c["value"] - c["thresholds"]["low_max"])
            else c["thresholds"]["low_max"]
        )
        kw["cut"] = _fmt(cut, digits)
    return kw


def _rule_text(rule: Rule, sides: tuple[str, ...], facts: ShopperFacts, lang: str) -> str | None:
    if rule.explain is None:
        return None
    kw = _rule_kw(rule, sides, facts, lang)
    if isinstance(rule.explain, str):
        return i18n.t(rule.explain, lang, **kw)
    text = rule.explain.get(lang) or rule.explain[i18n.DEFAULT_LANG]
    return text.format(**kw)


def class_lines(facts: ShopperFacts, lang: str) -> list[str]:
    """One sentence per measured class and foot, numbers and thresholds included."""
    lines: list[str] = []
    for cls_key, digits in (("arch", 3), ("rolling", 1)):
        for side in SIDES:
            c = getattr(facts.feet[side], cls_key)
            if c is None or c["label"] is None:
                continue
            t = c["thresholds"]
            near = c["near"]
            cut = min((t["low_max"], t["high_min"]), key=lambda x: abs(x - c["value"]))
            kw = {
                "side": i18n.t(f"side.{side}", lang),
                "label": i18n.t(f"{cls_key}.{c['label']}", lang),
                "near": i18n.t(f"{cls_key}.{near}", lang) if near else "",
                "value": _fmt(c["value"], digits),
                "low_max": _fmt(t["low_max"], digits),
                "high_min": _fmt(t["high_min"], digits),
                "cut": _fmt(cut, digits),
                "gait": i18n.t(f"gait.{c.get('gait')}", lang) if c.get("gait") else "",
            }
            key = f"explain.{cls_key}_borderline" if c["borderline"] else f"explain.{cls_key}"
            lines.append(i18n.t(key, lang, **kw))
            if c["confidence"] is not None and not c["clear"] and not c["borderline"]:
                lines.append(
                    i18n.t(
                        "explain.low_confidence",
                        lang,
                        side=kw["side"],
                        confidence=_fmt(c["confidence"], 2),
                    )
                )
    return lines


def _size_lines(facts: ShopperFacts, lang: str) -> list[str]:
    block = facts.size_block
    if block is None:
        return []
    lines = [
        i18n.t(
            "size.summary",
            lang,
            **{k: _fmt_size(block.get(k)) for k in ("eu", "uk", "us_men", "us_women", "jp_cm")},
            mondopoint=block.get("mondopoint_label", block.get("mondopoint")),
            width=block.get("width") or "–",
            width_jis=block.get("width_jis") or "–",
        )
    ]
    for note in block.get("notes", []):
        if note["key"] == "feet_differ":
            lines.append(
                i18n.t(
                    "size.feet_differ",
                    lang,
                    longer=i18n.t(f"side.{note['longer']}", lang),
                    mm=_fmt(note["difference_mm"], 1),
                    sizes=_fmt(note["difference_sizes"], 1),
                )
            )
    return lines


def _fmt_size(x: Any) -> str:
    if x is None:
        return "–"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# --- the recommender ----------------------------------------------------------------------


def _gender_ok(product: Product, facts: ShopperFacts) -> bool:
    return facts.sex is None or product.gender in (facts.sex, "unisex")


def _excluded(product: Product, fired: list[tuple[Rule, tuple[str, ...]]]) -> bool:
    for rule, _ in fired:
        if rule.kind not in (None, product.kind):
            continue
        for fld, values in rule.exclude.items():
            if getattr(product, fld) in values:
                return True
    return False


def _score(
    product: Product, fired: list[tuple[Rule, tuple[str, ...]]]
) -> tuple[float, list[tuple[Rule, tuple[str, ...], float]]]:
    total = 0.0
    parts = []
    for rule, sides in fired:
        if rule.kind not in (None, product.kind):
            continue
        pts = sum(table.get(getattr(product, fld), 0.0) for fld, table in rule.prefer.items())
        if pts:
            total += pts
            parts.append((rule, sides, pts))
    return total, parts


def _product_fields(p: Product) -> dict[str, Any]:
    return {
        "sku": p.sku,
        "brand": p.brand,
        "model": p.model,
        "kind": p.kind,
        "gender": p.gender,
        "category": p.category,
        "support_level": p.support_level,
        "arch_profile": p.arch_profile,
        "drop_mm": p.drop_mm,
        "price": p.price,
        "currency": p.currency,
        "image": p.image,
    }


def _fetch_line(fetch: Fetch, lang: str) -> str:
    system = i18n.t(f"system.{fetch.size_system}", lang)
    if fetch.width == ANY_WIDTH:
        return i18n.t("size.fetch_any_width", lang, system=system, size=fetch.size)
    return i18n.t("size.fetch", lang, system=system, size=fetch.size, width=fetch.width)


def _nearest_text(options: list[dict], kind: str, lang: str) -> list[str]:
    lines = [i18n.t("advice.nothing_fits", lang, kind=i18n.t(f"kind.{kind}", lang))]
    if not options:
        lines.append(i18n.t("advice.nearest_none", lang))
        return lines
    parts = []
    for o in options:
        f = o["fetch"]
        deltas = []
        diff = o["size_delta"]
        if diff > 0:
            deltas.append(i18n.t("delta.larger", lang, steps=_fmt_size(abs(diff))))
        elif diff < 0:
            deltas.append(i18n.t("delta.smaller", lang, steps=_fmt_size(abs(diff))))
        if f["width_delta"]:
            deltas.append(i18n.t("delta.width", lang, letters=f"{f['width_delta']:+d}"))
        parts.append(
            i18n.t(
                "advice.nearest_item",
                lang,
                brand=o["brand"],
                model=o["model"],
                system=i18n.t(f"system.{f['size_system']}", lang),
                size=f["size"],
                width="" if f["width"] == ANY_WIDTH else f["width"],
                delta=", ".join(deltas) or i18n.t("delta.same", lang),
            )
        )
    lines.append(i18n.t("advice.nearest", lang, options="; ".join(parts)))
    return lines


def recommend(
    standing_report: dict | None,
    gait_report: dict | None,
    catalogue: Catalogue,
    rules: Rules,
    lang: str = "en",
    sex: str | None = None,
    *,
    pain: bool = False,
    answers: Answers | None = None,
) -> dict:
    """Products to fetch for one shopper, with reasons in `lang`, or why there are none.

    Items fit (size of the longer foot, width of the wider foot, at most
    WIDTH_LETTERS_WIDER_ALLOWED letters wider) and are in stock; rules then exclude and
    rank them. `sex` ("male"/"female") picks the width scale and the products' gender.
    """
    facts = shopper_facts(standing_report, gait_report, sex, pain, answers)
    pain = facts.pain
    messages = [i18n.t("advice.not_diagnosis", lang)]
    messages.append(i18n.t("advice.pain_reported" if pain else "advice.pain", lang))
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "lang": lang,
        "items": [],
        "empty": {},
        "nearest": {},
        "summary": class_lines(facts, lang) + _size_lines(facts, lang),
        "messages": messages,
        "rules_fired": [],
        "size": facts.size_block,
        "catalogue_version": catalogue.version,
        "rules_version": rules.version,
    }
    if not facts.has_gait:
        messages.append(i18n.t("advice.need_gait", lang))
    if not facts.has_standing:
        messages.insert(0, i18n.t("advice.need_standing", lang))
        result["empty"] = {k: True for k, n in rules.limits.items() if n > 0}
        return result

    fired = []
    for rule in rules.rules:
        ok, sides = matches(rule.when, facts)
        if ok:
            fired.append((rule, sides))
    result["rules_fired"] = [r.id for r, _ in fired]

    ranked: dict[str, list[tuple[float, Product, Fetch, list]]] = {}
    misses: dict[str, list[tuple[float, Product, Fetch]]] = {}
    for product in catalogue.products:
        if rules.limits.get(product.kind, 0) <= 0 or not _gender_ok(product, facts):
            continue
        if _excluded(product, fired):
            continue
        score, parts = _score(product, fired)
        if score < rules.min_score:
            continue
        fetch = fit(product, facts)
        if fetch is None:
            near = nearest(product, facts)
            if near is not None:
                misses.setdefault(product.kind, []).append((near[0], product, near[1]))
            continue
        ranked.setdefault(product.kind, []).append((score, product, fetch, parts))

    for kind, limit in rules.limits.items():
        if limit <= 0:
            continue
        chosen = []
        seen_models: set[tuple[str, str, str]] = set()
        for score, product, fetch, parts in sorted(
            ranked.get(kind, []),
            key=lambda e: (-e[0], e[2].width_delta, e[1].price, e[1].sku),
        ):
            model_key = (product.brand, product.model, product.gender)
            if model_key in seen_models:
                continue
            seen_models.add(model_key)
            explanation = [_fetch_line(fetch, lang)]
            if fetch.width_delta > 0:
                explanation.append(i18n.t("size.width_wider", lang))
            for rule, sides, _pts in parts:
                text = _rule_text(rule, sides, facts, lang)
                if text and text not in explanation:
                    explanation.append(text)
            chosen.append(
                {
                    **_product_fields(product),
                    "fetch": fetch.to_dict(),
                    "score": score,
                    "reasons": [{"rule": r.id, "points": p} for r, _, p in parts],
                    "explanation": explanation,
                }
            )
            if len(chosen) >= limit:
                break
        result["items"].extend(chosen)
        result["empty"][kind] = not chosen
        if not chosen:
            options = []
            seen_models = set()
            for cost, product, fetch in sorted(
                misses.get(kind, []), key=lambda e: (e[0], e[1].price, e[1].sku)
            ):
                model_key = (product.brand, product.model, product.gender)
                if model_key in seen_models:
                    continue
                seen_models.add(model_key)
                options.append(
                    {
                        **_product_fields(product),
                        "fetch": fetch.to_dict(),
                        "size_delta": fetch.size_delta,
                        "cost": round(cost, 2),
                    }
                )
                if len(options) >= MAX_NEAREST:
                    break
            result["nearest"][kind] = options
            result["messages"].extend(_nearest_text(options, kind, lang))
    log.debug("recommended %d items (rules fired: %s)", len(result["items"]), result["rules_fired"])
    return result
