"""Size systems, width letters and JIS grades against published charts and standards."""

from __future__ import annotations

import pytest

from kiosk.advice.sizes import (
    ADULT_FOOT_LENGTH_RANGE_MM,
    INCH_MM,
    SYSTEMS,
    WIDTH_STEP_MM,
    estimated_girth_mm,
    foot_sizes,
    jis_girth_mm,
    jis_width_grade,
    medium_width_mm,
    pair_sizes,
    us_width_letter,
)
from kiosk.advice.thresholds import ASYMMETRY_NOTE_MM

# Calculator.net "Shoe Size Conversion" chart (as copied in a public JIS/US converter):
# foot length (cm), US, UK, EU, JP. Women's US there is the standard scale (men's + 1).
CHART_MEN = [
    (23.7, 6, 5, 38, 23.5), (24.1, 6.5, 5.5, 38, 24), (24.6, 7, 6, 39, 24.5),
    (25.0, 7.5, 6.5, 39, 25), (25.4, 8, 7, 40, 25.5), (25.8, 8.5, 7.5, 41, 26),
    (26.2, 9, 8, 41, 26), (26.7, 9.5, 8.5, 42, 26.5), (27.1, 10, 9, 43, 27),
    (27.5, 10.5, 9.5, 43, 27.5), (27.9, 11, 10, 44, 28), (28.4, 11.5, 10.5, 45, 28.5),
    (28.8, 12, 11, 45, 29), (29.2, 12.5, 11.5, 46, 29), (29.6, 13, 12, 46, 29.5),
    (30.1, 13.5, 12.5, 47, 30), (30.5, 14, 13, 48, 30.5),
]  # fmt: skip
CHART_WOMEN = [
    (21.2, 4, 2, 34, 21), (21.6, 4.5, 2.5, 34, 21.5), (22.0, 5, 3, 35, 22),
    (22.4, 5.5, 3.5, 36, 22.5), (22.9, 6, 4, 36, 23), (23.3, 6.5, 4.5, 37, 23.5),
    (23.7, 7, 5, 38, 23.5), (24.1, 7.5, 5.5, 38, 24), (24.6, 8, 6, 39, 24.5),
    (25.0, 8.5, 6.5, 39, 25), (25.4, 9, 7, 40, 25.5), (25.8, 9.5, 7.5, 41, 26),
    (26.2, 10, 8, 41, 26), (26.7, 10.5, 8.5, 42, 26.5), (27.1, 11, 9, 43, 27),
    (27.5, 11.5, 9.5, 43, 27.5), (27.9, 12, 10, 44, 28),
]  # fmt: skip


def _adult_cases() -> list[tuple[str, float]]:
    return [(name, s) for name, sys in SYSTEMS.items() for s in sys.adult_sizes()]


@pytest.mark.parametrize(("system", "size"), _adult_cases())
def test_every_adult_whole_and_half_size_round_trips_through_its_foot_length(system, size):
    sys = SYSTEMS[system]
    length = sys.to_length(size)
    assert sys.size(length) == pytest.approx(size)
    # anywhere within a little less than half a step either side still reads the same size
    margin_mm = 0.49 * (sys.to_length(size + sys.step) - length)
    assert sys.size(length - margin_mm) == pytest.approx(size)
    assert sys.size(length + margin_mm) == pytest.approx(size)


def test_adult_range_covers_whole_and_half_sizes_of_every_system():
    us = SYSTEMS["us_men"].adult_sizes()
    assert 9.0 in us and 9.5 in us and 14.0 in us
    assert all((s * 2).is_integer() for s in us)
    lo, hi = ADULT_FOOT_LENGTH_RANGE_MM
    assert SYSTEMS["mondopoint"].adult_sizes()[0] >= lo
    assert SYSTEMS["mondopoint"].adult_sizes()[-1] <= hi
    assert SYSTEMS["eu"].adult_sizes() == list(range(35, 49))


@pytest.mark.parametrize(("cm", "us", "uk", "eu", "jp"), CHART_MEN)
def test_mens_sizes_match_the_published_conversion_chart(cm, us, uk, eu, jp):
    # the chart prints the foot length rounded to 0.1 cm; its rows are US sizes
    length = SYSTEMS["us_men"].to_length(us)
    assert round(length / 10, 1) == pytest.approx(cm)
    s = foot_sizes(length, None, "male")
    assert (s["us_men"], s["uk"], s["eu"], s["jp_cm"]) == (us, uk, eu, jp)
    # and the printed, rounded length gives the same US/UK size
    assert foot_sizes(cm * 10, None)["us_men"] == us


@pytest.mark.parametrize(("cm", "us", "uk", "eu", "jp"), CHART_WOMEN)
def test_womens_sizes_match_the_published_chart_on_its_standard_scale(cm, us, uk, eu, jp):
    length = SYSTEMS["us_women_standard"].to_length(us)
    assert round(length / 10, 1) == pytest.approx(cm)
    s = foot_sizes(length, None, "female")
    assert (s["us_women_standard"], s["uk"], s["eu"], s["jp_cm"]) == (us, uk, eu, jp)
    # the common scale the kiosk reports by default sits half a size above it
    assert s["us_women"] == pytest.approx(us + 0.5)


def test_brannock_and_paris_point_definitions_hold_exactly():
    # US men's 9 and UK 8 are a 10 1/3 inch foot; EU 42 is a 26 2/3 cm foot (+2 PP)
    assert SYSTEMS["us_men"].to_length(9) == pytest.approx(31 / 3 * INCH_MM)
    assert SYSTEMS["uk"].to_length(8) == pytest.approx(31 / 3 * INCH_MM)
    assert SYSTEMS["eu"].to_length(42) == pytest.approx(266.667, abs=1e-3)
    assert SYSTEMS["us_women"].to_size(31 / 3 * INCH_MM) == pytest.approx(10.5)


def test_mondopoint_and_jp_are_foot_length_without_allowance():
    s = foot_sizes(262.4, 101.0)
    assert s["mondopoint"] == 260 and s["jp_cm"] == 26.0
    assert foot_sizes(262.6, None)["jp_cm"] == 26.5
    assert s["mondopoint_label"] == "260/101"
    assert foot_sizes(262.6, None)["mondopoint"] == 265


def test_medium_width_reads_d_for_men_and_b_for_women_at_the_ansur_means():
    # ANSUR II means: men 271.2 x 101.9 mm, women 246.3 x 92.7 mm
    assert us_width_letter(271.2, 101.9, "male") == "D"
    assert us_width_letter(246.3, 92.7, "female") == "B"


def test_width_letters_are_three_sixteenths_inch_apart_and_clamp_at_the_ends():
    length = SYSTEMS["us_men"].to_length(9)
    mid = medium_width_mm(length)
    assert mid == pytest.approx((2.75 + 0.125 * 9) * INCH_MM)
    assert us_width_letter(length, mid + 0.45 * WIDTH_STEP_MM, "men") == "D"
    assert us_width_letter(length, mid + WIDTH_STEP_MM, "men") == "E"
    assert us_width_letter(length, mid + 2 * WIDTH_STEP_MM, "men") == "2E"
    assert us_width_letter(length, mid - WIDTH_STEP_MM, "men") == "C"
    assert us_width_letter(length, mid + WIDTH_STEP_MM, "women") == "C"
    assert us_width_letter(length, mid + 40 * WIDTH_STEP_MM, "men") == "5E"
    assert us_width_letter(length, mid - 40 * WIDTH_STEP_MM, "men") == "4A"


@pytest.mark.parametrize(
    ("sex", "length_mm", "grades"),
    [
        # JIS S 5037 table values quoted by Japanese fitting guides
        ("female", 235, {"A": 207, "B": 213, "C": 219, "D": 225, "E": 231, "EE": 237,
                         "EEE": 243, "EEEE": 249}),
        ("male", 235, {"A": 210, "B": 216, "C": 222, "D": 228, "E": 234, "EE": 240,
                       "EEE": 246, "EEEE": 252}),
        ("male", 250, {"A": 219, "E": 243, "EE": 249}),
        ("female", 230, {"E": 228}),
    ],
)  # fmt: skip
def test_jis_girth_table_matches_published_values(sex, length_mm, grades):
    for grade, girth in grades.items():
        assert jis_girth_mm(length_mm, grade, sex) == pytest.approx(girth)
        assert jis_width_grade(length_mm, girth, sex) == grade
        assert jis_width_grade(length_mm, girth + 2.9, sex) == grade


def test_jis_grade_is_estimated_from_width_and_the_average_man_is_about_e():
    girth = estimated_girth_mm(271.2, 101.9, "male")
    assert girth == pytest.approx(252.0, abs=1.0)  # ANSUR II mean ball girth 252.0 mm
    assert foot_sizes(271.2, 101.9, "male")["width_jis"] in ("D", "E")
    assert jis_width_grade(271.2, 400, "male") == "G"
    assert jis_width_grade(250, 400, "female") == "F"


def test_pair_size_is_decided_by_the_longer_foot_with_a_note_when_half_a_size_apart():
    left = {"length_mm": 262.0, "width_mm": 104.0}
    right = {"length_mm": 262.0 + ASYMMETRY_NOTE_MM + 0.2, "width_mm": 99.0}
    block = pair_sizes(left, right, "male")
    assert block["decided_by"] == "right"
    assert block["us_men"] == foot_sizes(right["length_mm"], 99.0)["us_men"]
    assert block["per_foot"]["left"]["us_men"] == foot_sizes(262.0, 104.0)["us_men"]
    # the wider (left) foot decides the width
    assert block["width"] == foot_sizes(262.0, 104.0, "male")["width"]
    assert [n["key"] for n in block["notes"]] == ["feet_differ"]
    assert block["notes"][0]["longer"] == "right"


def test_pair_size_has_no_note_when_feet_are_less_than_half_a_size_apart():
    block = pair_sizes(
        {"length_mm": 262.0, "width_mm": 100.0},
        {"length_mm": 262.0 + ASYMMETRY_NOTE_MM - 0.3, "width_mm": 100.0},
    )
    assert block["notes"] == []
    assert block["length_difference_mm"] == pytest.approx(ASYMMETRY_NOTE_MM - 0.3, abs=0.05)


def test_pair_size_with_one_foot_measured_says_so_and_no_foot_is_an_error():
    block = pair_sizes({"length_mm": None}, {"length_mm": 250.0, "width_mm": 95.0})
    assert block["decided_by"] == "right"
    assert block["notes"][0]["key"] == "one_foot_only"
    with pytest.raises(ValueError):
        pair_sizes({"length_mm": None}, {})


def test_size_block_has_the_fields_the_report_contract_requires():
    block = pair_sizes(
        {"length_mm": 262.1, "width_mm": 101.3}, {"length_mm": 261.0, "width_mm": 100.0}
    )
    for key in ("eu", "uk", "us_men", "us_women", "jp_cm", "mondopoint", "width"):
        assert block[key] is not None
    assert block["us_men"] == 9.0 and block["uk"] == 8.0 and block["eu"] == 41
    assert block["width"] == us_width_letter(262.1, 101.3, "men")


def test_unknown_sex_spelling_is_refused():
    with pytest.raises(ValueError):
        foot_sizes(260.0, 100.0, "x")
