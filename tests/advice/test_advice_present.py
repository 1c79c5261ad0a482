"""The results screen's view of the advice: one item per product, the size to ask for in the
shopper's chart, and the heel angle over stance only."""

from __future__ import annotations

import pytest

from kiosk.advice import present
from kiosk.advice.catalogue import load_sample_catalogue
from kiosk.advice.recommend import recommend
from kiosk.advice.rules import load_rules
from kiosk.advice.sizes import SYSTEMS
from kiosk.advice.thresholds import ROLLING_EVERSION, TYPICAL_TOE_OFF_PCT


def _standing(length_mm: float, width_mm: float) -> dict:
    foot = {"length_mm": length_mm, "width_mm": width_mm, "arch_height_index": 0.33}
    return {"schema": "kiosk.report/1", "kind": "standing", "feet": {"left": foot, "right": foot}}


# A foot the sample catalogue stocks in both its men's and women's rows of several models.
STANDING = _standing(267.4, 98.0)


@pytest.fixture(scope="module")
def advice_unknown_sex():
    return recommend(STANDING, None, load_sample_catalogue(), load_rules(), "en", None)


def test_a_model_stocked_for_men_and_women_is_one_item_when_sex_is_not_given(
    advice_unknown_sex,
):
    rows = [(i["brand"], i["model"]) for i in advice_unknown_sex["items"]]
    assert len(set(rows)) < len(rows), "the fixture must have a model in both versions"
    items = present.product_items(advice_unknown_sex, STANDING, "us", "en", None)
    names = [i["name"] for i in items]
    assert len(names) == len(set(names))
    both = [i for i in items if len(i["skus"]) == 2]
    assert both
    for item in both:
        # the US chart differs by sex, and the shopper did not say: both sizes, each named
        assert [a["system"] for a in item["asks"]] == ["us_men", "us_women"]
        assert "US men's" in item["reason"] and "US women's" in item["reason"]
        assert item["reason"].count("Ask for") == 1


def test_sex_is_named_only_where_the_chart_gives_different_answers(advice_unknown_sex):
    items = present.product_items(advice_unknown_sex, STANDING, "eu", "en", None)
    eu = str(int(SYSTEMS["eu"].size(267.4)))
    for item in items:
        sizes = {a["size"] for a in item["asks"]}
        widths = {a["width"] for a in item["asks"]}
        if item["kind"] == "insole":  # trim-to-fit, any width: one answer for everyone
            assert len(item["asks"]) == 1 and "men's" not in item["reason"]
        elif len(item["skus"]) == 2:
            # same EU size, but men's D and women's B are the same width on two scales
            assert sizes == {eu} and len(widths) == 2
            assert "(men's)" in item["reason"] and "(women's)" in item["reason"]


def test_a_shopper_who_gave_their_sex_is_asked_in_their_own_chart_only():
    advice = recommend(STANDING, None, load_sample_catalogue(), load_rules(), "en", "female")
    for chart in ("us", "eu", "jp_cm"):
        for item in present.product_items(advice, STANDING, chart, "en", "female"):
            assert len(item["asks"]) == 1
            assert "men's" not in item["reason"].replace("women's", "")


def test_the_ask_is_in_the_chosen_chart_and_in_japanese_too(advice_unknown_sex):
    items = present.product_items(advice_unknown_sex, STANDING, "jp_cm", "ja", "male")
    shoe = next(i for i in items if i["kind"] == "shoe")
    assert shoe["asks"][0]["size"] == "26.5"  # 267.4 mm, 0.5 cm steps
    assert shoe["reason"].startswith("JP(cm) 26.5")
    with pytest.raises(ValueError):
        present.product_items(advice_unknown_sex, STANDING, "us_men", "en", None)


def _gait(**feet_extra) -> dict:
    curve = [round(8.0 * (i / 100), 2) for i in range(101)]
    feet = {
        s: {"peak_eversion_deg": 8.0, "rearfoot_curve_deg": curve, **feet_extra}
        for s in ("left", "right")
    }
    return {"schema": "kiosk.report/1", "kind": "gait", "feet": feet, "cadence_spm": 110.0}


def test_the_heel_chart_stops_at_the_measured_toe_off():
    # strides of 1.0 s with toe-off 0.6 s after each heel strike: stance 60 %
    g = _gait(heel_strikes_s=[0.0, 1.0, 2.0, 3.0], toe_offs_s=[0.6, 1.6, 2.6])
    chart = present.stance_chart(g)
    left = chart["feet"]["left"]
    assert left["toe_off_pct"] == 60.0 and left["toe_off_measured"]
    assert all(v is not None for v in left["curve"][:61])
    assert all(v is None for v in left["curve"][61:])
    assert chart["normal_band_deg"] == [
        ROLLING_EVERSION["walking"].low_max,
        ROLLING_EVERSION["walking"].high_min,
    ]


def test_without_event_times_the_heel_chart_uses_the_typical_toe_off_and_says_so():
    chart = present.stance_chart(_gait())
    right = chart["feet"]["right"]
    assert not right["toe_off_measured"]
    assert right["toe_off_pct"] == TYPICAL_TOE_OFF_PCT["walking"]
    assert right["curve"][62] is not None and right["curve"][63] is None
    assert present.stance_chart(None) is None
    assert present.stance_chart({"feet": {"left": {"rearfoot_curve_deg": None}}}) is None
