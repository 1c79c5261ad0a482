"""The personal plan: chosen by rules, never against a contraindication, clinician first
when something aches, every item with a source, and stores can switch parts off or add
their own."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pydantic import ValidationError

from kiosk import i18n
from kiosk.advice.answers import Answers, answers_from_form
from kiosk.advice.plan import SHORT_CITATIONS, plan
from kiosk.advice.programme import ENTRIES
from kiosk.advice.rules import RulesRejectedError, load_rules, parse_rules
from kiosk.advice.thresholds import SOURCES
from kiosk.bench.advice import plan_mix, simulated_answers, simulated_shopper


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _shopper(seed: int = 0):
    return simulated_shopper(np.random.default_rng(seed))


def _set_arch(standing: dict, ahi: float) -> dict:
    for foot in standing["feet"].values():
        foot["arch_height_index"] = ahi
    return standing


def _set_eversion(gait: dict, deg: float) -> dict:
    for foot in gait["feet"].values():
        foot["peak_eversion_deg"] = deg
    gait["cadence_spm"] = 110.0  # walking
    return gait


@pytest.mark.slow
def test_thousand_simulated_shoppers_get_a_safe_explained_plan():
    rows = {r["name"]: r["value"] for r in plan_mix(n=1000, seed=0)}
    assert rows["simulated shoppers"] == 1000
    assert rows["empty plans, unexplained"] == 0
    assert rows["exercises shown against their contraindication"] == 0
    assert rows["pain without the clinician pointer"] == 0
    assert rows["pain with the pointer not first"] == 0
    assert rows["clinician pointer without reported pain"] == 0
    # the mix is not degenerate: pain, exercises, habits and left-out exercises all occur
    assert rows["shown: clinician"] == rows["shoppers reporting an ache"] > 100
    for entry_id in ("short_foot", "plantar_fascia_stretch", "running_shoe_age"):
        assert rows[f"shown: {entry_id}"] > 0
    assert rows["left out: short_foot"] > 0


def test_low_arch_gets_short_foot_with_dose_source_and_the_chain_in_own_numbers(rules):
    standing, gait, sex = _shopper(1)
    result = plan(_set_arch(standing, 0.25), _set_eversion(gait, 6.0), rules, "en", sex)
    by_id = {i["id"]: i for i in result["items"]}
    assert "clinician" not in by_id
    ex = by_id["short_foot"]
    assert ex["section"] == "exercise" and ex["source"] == "mulligan2013"
    assert "3 × 10" in ex["dose"] and "5 s" in ex["dose"] and "4 weeks" in ex["dose"]
    assert "Mulligan & Cook 2013" in ex["cite"] and ex["contraindications"]
    chain = by_id["chain_inward"]
    assert "AHI 0.250" in chain["text"] and "Khamis & Yizhar 2007" in chain["cite"]
    assert "tendency" in chain["text"]  # an observation, never a diagnosis
    assert "typical" not in by_id


def test_foot_pain_puts_the_clinician_first_and_leaves_out_foot_exercises(rules):
    standing, gait, sex = _shopper(2)
    answers = Answers(aches=("feet", "heels"))
    result = plan(_set_arch(standing, 0.25), gait, rules, "en", sex, answers)
    ids = [i["id"] for i in result["items"]]
    assert ids[0] == "clinician"
    assert "feet, heels" in result["items"][0]["text"]
    assert "podiatrist or physiotherapist" in result["items"][0]["text"]
    assert "short_foot" not in ids and "single_leg_short_foot" not in ids
    assert "plantar_fascia_stretch" in ids  # the stretch studied for heel pain stays
    out = {x["id"]: x for x in result["left_out"]}
    assert out["short_foot"]["why"] == "contraindicated"
    assert "Short-foot exercise" in out["short_foot"]["text"]


def test_knee_pain_keeps_short_foot_but_not_the_single_leg_step(rules):
    standing, gait, sex = _shopper(3)
    result = plan(_set_arch(standing, 0.25), gait, rules, "en", sex, Answers(aches=("knees",)))
    ids = [i["id"] for i in result["items"]]
    assert ids[0] == "clinician" and "short_foot" in ids
    assert "single_leg_short_foot" not in ids


def test_habits_follow_the_answers(rules):
    standing, gait, sex = _shopper(4)
    answers = Answers(
        activity="running", shoe_km="500_800", shoe_age_months="24_plus", heels_at_work=True,
        hours_on_feet="gt8", aches=("lower_back",),
    )  # fmt: skip
    result = plan(standing, gait, rules, "en", sex, answers)
    by_id = {i["id"]: i for i in result["items"]}
    assert "500–800 km" in by_id["running_shoe_age"]["text"]
    assert "Cook et al. 1985" in by_id["running_shoe_age"]["cite"]
    assert "kiosk advice" in by_id["running_shoe_age"]["cite"]  # the 500 km line is ours
    for habit in ("everyday_shoe_age", "heels_at_work", "long_standing", "orthoses_back"):
        assert by_id[habit]["section"] == "habit"
    assert "Cambron et al. 2017" in by_id["orthoses_back"]["cite"]
    assert "calf_stretch" in by_id  # heels at work
    none = plan(standing, gait, rules, "en", sex, Answers(heels_at_work=False))
    assert "heels_at_work" not in {i["id"] for i in none["items"]}


def test_nothing_to_suggest_says_so_in_one_line(rules):
    standing, gait, sex = _shopper(5)
    result = plan(_set_arch(standing, 0.32), _set_eversion(gait, 6.0), rules, "en", sex)
    ids = [i["id"] for i in result["items"]]
    assert ids == ["typical", "general"]
    assert result["empty_reason"] is None


def test_pose_knee_angle_appears_only_where_the_frontal_plane_is_reliable(rules):
    standing, gait, sex = _shopper(6)
    gait["pose"] = {"frontal_plane_reliable": True,
                    "knee_fppa_midstance_deg": {"left": 7.25, "right": -3.0}}  # fmt: skip
    result = plan(standing, gait, rules, "en", sex)
    knee = next(i for i in result["items"] if i["id"] == "knee_line")
    assert "left knee sat 7.2° inside" in knee["text"]
    assert "right knee sat 3.0° outside" in knee["text"]
    gait["pose"]["frontal_plane_reliable"] = False
    assert "knee_line" not in plan(standing, gait, rules, "en", sex)["shown"]


def test_store_switches_parts_off_and_adds_its_own_item():
    doc = load_rules().to_json()
    doc["plan"] = {
        "off": ["general", "short_foot"],
        "items": [
            {
                "id": "gait-appointment",
                "section": "store",
                "when": {"activity": "running"},
                "text": {"en": "Book a free gait analysis with our staff.",
                         "ja": "スタッフによる無料の歩行分析をご予約ください。"},
            }
        ],
    }  # fmt: skip
    rules = parse_rules(json.loads(json.dumps(doc)))
    assert parse_rules(rules.to_json()).plan_off == ("general", "short_foot")
    standing, gait, sex = _shopper(7)
    runner = plan(_set_arch(standing, 0.25), gait, rules, "ja", sex, Answers(activity="running"))
    ids = [i["id"] for i in runner["items"]]
    assert "short_foot" not in ids and "gait-appointment" in ids
    assert {"id": "short_foot", "why": "store_off"} in runner["left_out"]
    own = next(i for i in runner["items"] if i["id"] == "gait-appointment")
    assert own["text"].startswith("スタッフ")
    # every part off: the plan is empty and says why
    doc["plan"] = {"off": [e.id for e in ENTRIES] + ["general"]}
    empty = plan(standing, gait, parse_rules(doc), "en", sex, Answers(aches=("feet",)))
    assert empty["items"] == [] and empty["empty_reason"]


def test_rules_file_plan_mistakes_are_named():
    doc = load_rules().to_json()
    doc["plan"] = {"off": ["short_fot"], "items": [{"id": "x", "text": {"ja": "{side}"}}],
                   "extra": 1}  # fmt: skip
    with pytest.raises(RulesRejectedError) as exc:
        parse_rules(doc)
    text = str(exc.value)
    assert "did you mean 'short_foot'" in text
    assert "plan.extra" in text and "needs a text in 'en'" in text
    assert "takes no {placeholders}" in text


def test_every_entry_names_known_sources_and_has_words_in_every_language():
    for e in ENTRIES:
        for key in (e.source + "+" + e.trigger_source + "+" + (e.dose_source or "")).split("+"):
            if key:
                assert key in SOURCES, (e.id, key)
                assert key == "kiosk_policy" or key in SHORT_CITATIONS, key
        keys = [f"plan.{e.id}.text"]
        if e.section == "exercise":
            assert e.dose is not None and e.dose_source
            keys += [f"plan.{e.id}.{k}" for k in ("title", "how", "contra")]
        for lang in i18n.languages():
            for k in keys:
                assert k in i18n.MESSAGES[lang], (lang, k)


def test_answers_are_a_closed_vocabulary():
    with pytest.raises(ValidationError):
        Answers(aches=("feet", "none"))
    with pytest.raises(ValidationError):
        Answers(activity="marathon")
    with pytest.raises(ValidationError):
        Answers.model_validate({"name": "Alice"})
    a = answers_from_form({"aches": ["knees", "none", "feet"], "activity": ["running", "x"],
                           "heels_at_work": ["no"], "shoe_km": ["bogus"]})  # fmt: skip
    assert a.aches == ("feet", "knees") and a.activity == "running"
    assert a.heels_at_work is False and a.shoe_km is None and a.pain
    assert answers_from_form({}).is_empty()
    rng = np.random.default_rng(0)
    drawn = [simulated_answers(rng) for _ in range(50)]
    assert any(d is None for d in drawn) and any(d is not None and d.pain for d in drawn)
