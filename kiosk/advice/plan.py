"""The personal plan: a clinician pointer, observations, exercises and habits, chosen by
rules from the shopper's measurements and (optional) questionnaire answers.

Order of work: the shopper's facts (the same as for product rules), then every entry of
programme.ENTRIES whose trigger holds, minus those the store switched off and those whose
contraindication holds (these are listed as left out, with the reason), then the store's
own items. Reported pain always puts the clinician pointer first. Texts are observations
and tendencies in the shopper's language, each item naming its source; a plan with
nothing to suggest says so in one line instead of being empty.
"""

from __future__ import annotations

import logging
from typing import Any

from kiosk import i18n
from kiosk.advice.answers import Answers
from kiosk.advice.programme import ENTRIES, GENERAL_ID, GENERAL_SOURCE, SECTIONS, PlanEntry
from kiosk.advice.recommend import SIDES, ShopperFacts, matches, shopper_facts
from kiosk.advice.rules import Rules
from kiosk.advice.thresholds import SOURCES

log = logging.getLogger(__name__)

SCHEMA = "kiosk.plan/1"
# How an item's sources are named on the screen (full citations: thresholds.SOURCES).
SHORT_CITATIONS = {
    "mulligan2013": "Mulligan & Cook 2013",
    "digiovanni2003": "DiGiovanni et al. 2003",
    "khamis2007": "Khamis & Yizhar 2007",
    "cambron2017": "Cambron et al. 2017",
    "cook1985": "Cook et al. 1985",
    "williams2001": "Williams et al. 2001",
    "lee2012": "Lee & Hertel 2012",
}


def _fmt(x: float | None, digits: int) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _sources_text(key: str, lang: str) -> str:
    names = []
    for k in key.split("+"):
        if k not in SOURCES:
            raise KeyError(f"unknown source {k!r}")
        names.append(
            i18n.t("plan.source_policy", lang) if k == "kiosk_policy" else SHORT_CITATIONS[k]
        )
    return ", ".join(dict.fromkeys(names))


def _aches_text(facts: ShopperFacts, lang: str, only: tuple[str, ...] | None = None) -> str:
    aches = [a for a in facts.aches if a != "none" and (only is None or a in only)]
    return i18n.t("plan.list_sep", lang).join(i18n.t(f"ache.{a}", lang) for a in aches)


def _chain_details(facts: ShopperFacts, lang: str) -> str:
    """The shopper's own numbers behind the kinetic-chain observation."""
    parts = []
    for side in SIDES:
        foot = facts.feet[side]
        a = foot.arch
        if a is not None and a["label"] == "low":
            parts.append(
                i18n.t(
                    "plan.chain_arch",
                    lang,
                    side=i18n.t(f"side.{side}", lang),
                    value=_fmt(a["value"], 3),
                    low_max=_fmt(a["thresholds"]["low_max"], 3),
                )
            )
        r = foot.rolling
        if r is not None and r["label"] == "overpronation":
            parts.append(
                i18n.t(
                    "plan.chain_roll",
                    lang,
                    side=i18n.t(f"side.{side}", lang),
                    value=_fmt(r["value"], 1),
                    high_min=_fmt(r["thresholds"]["high_min"], 1),
                )
            )
    return " ".join(parts)


def _knee_details(facts: ShopperFacts, lang: str) -> str:
    parts = []
    for side in SIDES:
        deg = facts.feet[side].knee_fppa_deg
        if deg is None:
            continue
        where = "inside" if deg > 0 else "outside"
        parts.append(
            i18n.t(
                f"plan.knee_{where}",
                lang,
                side=i18n.t(f"side.{side}", lang),
                value=_fmt(abs(deg), 1),
            )
        )
    return " ".join(parts)


def _typical_details(facts: ShopperFacts, lang: str) -> str:
    parts = []
    for side in SIDES:
        a = facts.feet[side].arch
        if a is not None and a["label"] is not None:
            parts.append(
                i18n.t(
                    "plan.typical_arch",
                    lang,
                    side=i18n.t(f"side.{side}", lang),
                    label=i18n.t(f"arch.{a['label']}", lang),
                    value=_fmt(a["value"], 3),
                )
            )
    return i18n.t("plan.list_sep", lang).join(parts)


def _entry_kw(e: PlanEntry, facts: ShopperFacts, lang: str) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if e.id == "clinician":
        kw["aches"] = _aches_text(facts, lang)
    elif e.id == "chain_inward":
        kw["details"] = _chain_details(facts, lang)
    elif e.id == "knee_line":
        kw["details"] = _knee_details(facts, lang)
    elif e.id == "typical":
        kw["details"] = _typical_details(facts, lang)
    elif e.id == "running_shoe_age":
        kw["km"] = i18n.t(f"plan.km.{facts.shoe_km}", lang) if facts.shoe_km else "–"
    return kw


def _dose_text(e: PlanEntry, lang: str) -> str | None:
    d = e.dose
    if d is None:
        return None
    key = "plan.dose_hold" if d.hold_s else "plan.dose"
    text = i18n.t(key, lang, sets=d.sets, reps=d.reps, hold_s=d.hold_s, times=d.times_per_day)
    if d.weeks:
        text += i18n.t("plan.dose_weeks", lang, weeks=d.weeks)
    return text


def _item(e: PlanEntry, facts: ShopperFacts, lang: str) -> dict[str, Any]:
    kw = _entry_kw(e, facts, lang)
    item: dict[str, Any] = {
        "id": e.id,
        "section": e.section,
        "text": i18n.t(f"plan.{e.id}.text", lang, **kw),
        "source": e.source,
        "trigger_source": e.trigger_source,
        "cite": _sources_text(f"{e.source}+{e.trigger_source}", lang),
        "illustration": e.illustration,
    }
    if e.section == "exercise":
        item.update(
            title=i18n.t(f"plan.{e.id}.title", lang),
            how=i18n.t(f"plan.{e.id}.how", lang),
            dose=_dose_text(e, lang),
            dose_source=e.dose_source,
            contraindications=i18n.t(f"plan.{e.id}.contra", lang),
        )
        if e.dose is not None:
            item["dose_numbers"] = {
                "sets": e.dose.sets,
                "reps": e.dose.reps,
                "hold_s": e.dose.hold_s,
                "times_per_day": e.dose.times_per_day,
                "weeks": e.dose.weeks,
            }
    return item


def plan(
    standing_report: dict | None,
    gait_report: dict | None,
    rules: Rules,
    lang: str = "en",
    sex: str | None = None,
    answers: Answers | None = None,
) -> dict[str, Any]:
    """The shopper's plan in `lang`: `items` in the order shown (clinician first when
    anything aches), `left_out` (switched off by the store or contraindicated, with the
    reason), and `empty_reason` when there is nothing to show."""
    facts = shopper_facts(standing_report, gait_report, sex, answers=answers)
    off = set(rules.plan_off)
    chosen: list[dict[str, Any]] = []
    left_out: list[dict[str, Any]] = []
    for e in ENTRIES:
        if not matches(e.when, facts)[0]:
            continue
        if e.id in off:
            left_out.append({"id": e.id, "why": "store_off"})
            continue
        if e.contraindicated is not None and matches(e.contraindicated, facts)[0]:
            title = i18n.t(f"plan.{e.id}.title", lang)
            left_out.append(
                {
                    "id": e.id,
                    "why": "contraindicated",
                    "text": i18n.t(
                        "plan.left_out",
                        lang,
                        title=title,
                        aches=_aches_text(facts, lang, tuple(e.contraindicated.get("aches", ()))),
                    ),
                }
            )
            continue
        chosen.append(_item(e, facts, lang))
    for own in rules.plan_items:
        if own.id in off or not matches(own.when, facts)[0]:
            continue
        chosen.append(
            {
                "id": own.id,
                "section": own.section,
                "text": own.text.get(lang) or own.text[i18n.DEFAULT_LANG],
                "source": "store",
                "trigger_source": "store",
                "cite": None,
                "illustration": None,
            }
        )
    # "nothing stands out" when no pointer, exercise, habit or store item was chosen
    advice = ("exercise", "habit", "store", "clinician")
    if GENERAL_ID not in off and not any(i["section"] in advice for i in chosen):
        chosen.append(
            {
                "id": GENERAL_ID,
                "section": "general",
                "text": i18n.t("plan.general.text", lang),
                "source": GENERAL_SOURCE,
                "trigger_source": GENERAL_SOURCE,
                "cite": _sources_text(GENERAL_SOURCE, lang),
                "illustration": None,
            }
        )
    chosen.sort(key=lambda i: SECTIONS.index(i["section"]))  # stable: table order within
    result = {
        "schema": SCHEMA,
        "lang": lang,
        "items": chosen,
        "left_out": left_out,
        "pain": facts.pain,
        "has_answers": facts.has_answers,
        "not_diagnosis": i18n.t("plan.not_diagnosis", lang),
        "empty_reason": None if chosen else i18n.t("plan.empty_off", lang),
        "shown": [i["id"] for i in chosen],
    }
    log.debug("plan: %s (left out: %s)", result["shown"], [x["id"] for x in left_out])
    return result
