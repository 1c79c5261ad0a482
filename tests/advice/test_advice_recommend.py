"""Recommendations: in stock in the shopper's size and width, ranked by rules, explained."""

from __future__ import annotations

import pytest

from kiosk.advice.catalogue import CSV_COLUMNS, load_sample_catalogue, parse_csv
from kiosk.advice.recommend import recommend
from kiosk.advice.rules import load_rules, parse_rules
from kiosk.advice.sizes import SYSTEMS, foot_sizes
from kiosk.advice.thresholds import ARCH_AHI, ROLLING_EVERSION

WALK = ROLLING_EVERSION["walking"]


def standing(length=270.0, width=101.0, ahi=0.31, conf=0.9, right_length=None) -> dict:
    def foot(length_mm: float) -> dict:
        return {"length_mm": length_mm, "width_mm": width, "arch_height_mm": 60.0,
                "arch_height_index": ahi, "arch_type": None, "confidence": conf}  # fmt: skip

    return {"schema": "kiosk.report/1", "kind": "standing",
            "feet": {"left": foot(length), "right": foot(right_length or length)},
            "recommendations": []}  # fmt: skip


def gait(eversion: float, conf=0.9, cadence=110.0) -> dict:
    foot = {"peak_eversion_deg": eversion, "rolling": None, "steps": 15, "confidence": conf}
    return {"schema": "kiosk.report/1", "kind": "gait",
            "feet": {"left": dict(foot), "right": dict(foot)}, "cadence_spm": cadence,
            "recommendations": []}  # fmt: skip


@pytest.fixture(scope="module")
def sample():
    return load_sample_catalogue()


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def _shoes(result: dict) -> list[dict]:
    return [i for i in result["items"] if i["kind"] == "shoe"]


def test_every_item_is_in_stock_in_the_shoppers_size_and_width(sample, rules):
    result = recommend(standing(270.0, 101.0), gait(6.0), sample, rules, sex="male")
    assert result["items"]
    for item in result["items"]:
        product = sample.by_sku(item["sku"])
        fetch = item["fetch"]
        assert fetch["size"] in [t.label for t in product.stock[fetch["width"]]]
        if item["kind"] == "shoe" and product.size_system == "us_men":
            assert float(fetch["size"]) == SYSTEMS["us_men"].size(270.0)
            assert fetch["width"] in ("D", "E")  # measured D, or one wider
        assert item["gender"] in ("men", "unisex")


def test_clear_overpronation_puts_stability_or_motion_control_first(sample, rules):
    result = recommend(standing(), gait(WALK.high_min + 4.0), sample, rules, sex="male")
    shoes = _shoes(result)
    assert shoes[0]["category"] in ("stability", "motion_control")
    assert "clear-overpronation" in result["rules_fired"]
    assert any("clearly rolls inward" in line for line in shoes[0]["explanation"])


@pytest.mark.parametrize("eversion", [WALK.high_min + 0.5, 6.0, WALK.low_max - 4.0])
def test_no_stability_or_motion_control_unless_rolling_is_clearly_over(sample, rules, eversion):
    result = recommend(standing(), gait(eversion), sample, rules, sex="male")
    assert {i["category"] for i in _shoes(result)} <= {"neutral", "cushioned"}


def test_low_confidence_overpronation_is_not_treated_as_clear(sample, rules):
    result = recommend(standing(), gait(WALK.high_min + 4.0, conf=0.3), sample, rules, sex="male")
    assert {i["category"] for i in _shoes(result)} <= {"neutral", "cushioned"}


def test_running_uses_running_thresholds(sample, rules):
    angle = (WALK.high_min + ROLLING_EVERSION["running"].high_min) / 2 + 1.0
    walking = recommend(standing(), gait(angle, cadence=110), sample, rules, sex="male")
    running = recommend(standing(), gait(angle, cadence=170), sample, rules, sex="male")
    assert _shoes(walking)[0]["category"] in ("stability", "motion_control")
    assert {i["category"] for i in _shoes(running)} <= {"neutral", "cushioned"}


@pytest.mark.parametrize(
    ("ahi", "profile", "reason"),
    [(ARCH_AHI.low_max - 0.03, "low", "arch is low"),
     (0.31, "medium", "normal range"),
     (ARCH_AHI.high_min + 0.03, "high", "arch is high")],
)  # fmt: skip
def test_insoles_match_the_arch_type_and_say_the_ahi(sample, rules, ahi, profile, reason):
    result = recommend(standing(ahi=ahi), gait(6.0), sample, rules, sex="male")
    insoles = [i for i in result["items"] if i["kind"] == "insole"]
    assert insoles and insoles[0]["arch_profile"] == profile
    assert any(reason in line and f"AHI {ahi:.3f}" in line for line in insoles[0]["explanation"])
    assert all(i["support_level"] != "none" for i in insoles)


def test_without_a_walk_we_suggest_neutral_shoes_and_say_why(sample, rules):
    result = recommend(standing(), None, sample, rules, sex="female")
    assert {i["category"] for i in _shoes(result)} <= {"neutral", "cushioned"}
    assert any("Walk on the treadmill" in m for m in result["messages"])
    assert all(i["gender"] in ("women", "unisex") for i in result["items"])


def test_without_a_standing_measurement_nothing_is_listed_and_it_is_explained(sample, rules):
    result = recommend(None, gait(12.0), sample, rules)
    assert result["items"] == []
    assert "stand on the mat" in result["messages"][0]
    assert all(result["empty"].values())


def _tiny_catalogue(stock: str):
    header = ",".join(CSV_COLUMNS)
    row = f'T-1,Tiny,Only One,shoe,men,neutral,none,any,8,us_men,"{stock}",100,EUR,'
    return parse_csv(f"{header}\n{row}\n".encode())


def test_nothing_fits_says_so_and_names_the_nearest_option(rules):
    size = SYSTEMS["us_men"].size(270.0)  # 10.0
    cat = _tiny_catalogue(f"D:{size + 1:g},{size + 3:g}")
    result = recommend(standing(270.0, 101.0), gait(6.0), cat, rules, sex="male")
    assert result["items"] == [] and result["empty"]["shoe"] is True
    nearest = result["nearest"]["shoe"]
    assert nearest[0]["sku"] == "T-1" and nearest[0]["fetch"]["size"] == f"{size + 1:g}"
    text = " ".join(result["messages"])
    assert "Nothing in stock fits" in text and "Tiny Only One" in text
    assert "1 size(s) larger" in text


def test_a_shoe_narrower_than_the_foot_is_never_offered(rules):
    length = 270.0
    wide = foot_sizes(length, 112.0, "male")["width"]
    assert wide in ("2E", "3E", "4E")
    size = SYSTEMS["us_men"].size(length)
    cat = _tiny_catalogue(f"D:{size:g}")
    result = recommend(standing(length, 112.0), gait(6.0), cat, rules, sex="male")
    assert result["items"] == []
    assert result["nearest"]["shoe"][0]["fetch"]["width_delta"] < 0


def test_the_longer_foot_decides_and_the_difference_is_explained(sample, rules):
    result = recommend(standing(265.0, right_length=272.0), gait(6.0), sample, rules, sex="male")
    us_items = [i for i in _shoes(result) if i["fetch"]["size_system"] == "us_men"]
    assert us_items and float(us_items[0]["fetch"]["size"]) == SYSTEMS["us_men"].size(272.0)
    assert any("right foot is 7.0 mm longer" in line for line in result["summary"])


def test_japanese_explanations_and_clinician_pointer_on_pain(sample, rules):
    result = recommend(standing(), gait(6.0), sample, rules, lang="ja", sex="male", pain=True)
    assert result["lang"] == "ja"
    assert any("医師" in m for m in result["messages"])
    assert any("をお試しください" in line for line in result["items"][0]["explanation"])
    en = recommend(standing(), gait(6.0), sample, rules, pain=True)
    assert any("You told us something hurts" in m for m in en["messages"])
    assert any("not a medical diagnosis" in m for m in en["messages"])


def test_a_retailers_rule_changes_the_ranking_and_its_own_text_is_shown(sample):
    doc = {
        "format": "kiosk.rules/1",
        "limits": {"shoe": 3, "insole": 0},
        "rules": [{"id": "house-cushion", "kind": "shoe", "when": {},
                   "prefer": {"category": {"cushioned": 5}},
                   "explain": {"en": "Our {side} pick for you.", "ja": "おすすめ"}}],
    }  # fmt: skip
    result = recommend(standing(), gait(6.0), sample, parse_rules(doc), sex="male")
    assert [i["category"] for i in result["items"]] == ["cushioned"] * 3
    assert "Our left and right pick for you." in result["items"][0]["explanation"]


def test_each_model_is_listed_once_even_with_several_colour_skus(sample, rules):
    result = recommend(standing(), gait(6.0), sample, rules, sex="male")
    models = [(i["brand"], i["model"]) for i in result["items"]]
    assert len(models) == len(set(models))


def test_report_classes_carry_numbers_in_the_summary(sample, rules):
    result = recommend(standing(ahi=0.26), gait(13.0), sample, rules, sex="male")
    text = " ".join(result["summary"])
    assert "AHI 0.260" in text and "0.275" in text
    assert "13.0°" in text


def test_products_sized_in_jp_cm_are_fetched_in_jis_grades(rules):
    header = ",".join(CSV_COLUMNS)
    grades = ["A", "B", "C", "D", "E", "EE", "EEE", "EEEE", "F", "G"]
    stock = ";".join(f"{g}:26,26.5,27,27.5" for g in grades)
    row = f'J-1,Kumo,Test,shoe,men,neutral,none,any,8,jp_cm,"{stock}",100,JPY,'
    cat = parse_csv(f"{header}\n{row}\n".encode())
    result = recommend(standing(270.0, 101.0), gait(6.0), cat, rules, sex="male")
    fetch = result["items"][0]["fetch"]
    assert fetch["size_system"] == "jp_cm" and fetch["size"] == "27"
    assert fetch["width"] == foot_sizes(270.0, 101.0, "male")["width_jis"]
    assert fetch["width_delta"] == 0
