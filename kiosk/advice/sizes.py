"""Shoe sizes from foot length and width: every size system and width grade in one place.

Lengths follow the ISO/TS 19407 / Brannock formulas (foot length plus the standard
allowance of two size units), rounded to the nearest size step as published charts do;
widths follow the Brannock letters (US) and the JIS S 5037 ball-girth grades (Japan).
Brand charts often sit about one size away from these formulas, so the catalogue may
carry its own sizes per product; these are the kiosk's neutral reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.advice.thresholds import ASYMMETRY_NOTE_MM, LAST_ALLOWANCE_SIZE_UNITS

INCH_MM = 25.4
BARLEYCORN_MM = INCH_MM / 3  # one UK/US size step (brannock)
PARIS_POINT_MM = 20.0 / 3  # one EU size step, 2/3 cm (iso19407)

# The adult foot-length range whose sizes the tables must cover: ANSUR II observed
# 198-286 mm (women) and 216-323 mm (men); 215-310 mm holds over 99 % of both (ansur2).
ADULT_FOOT_LENGTH_RANGE_MM = (215.0, 310.0)

# US women's sizes: the common scale (women's = men's + 1.5) is the default, as in the
# report contract's example; the standard scale (+1) is given beside it (brannock).
US_WOMEN_COMMON_OFFSET = 1.5
US_WOMEN_STANDARD_OFFSET = 1.0

_EPS = 1e-9


@dataclass(frozen=True)
class SizeSystem:
    """One length size system: exact size from foot length, and back, with its step."""

    key: str
    step: float
    source: str
    to_size: Callable[[float], float]  # foot length mm -> exact (unrounded) size
    to_length: Callable[[float], float]  # size -> nominal foot length mm

    def size(self, length_mm: float, step: float | None = None) -> float:
        """The size for a foot: nearest step (ties go up), as published charts round."""
        return round_to_step(self.to_size(length_mm), step or self.step)

    def adult_sizes(self) -> list[float]:
        """Every size (in this system's step) whose nominal foot length is adult."""
        lo, hi = (self.to_size(x) for x in ADULT_FOOT_LENGTH_RANGE_MM)
        first = math.ceil(lo / self.step - _EPS) * self.step
        out = []
        s = first
        while s <= hi + _EPS:
            out.append(round(s, 3))
            s += self.step
        return out


def round_to_step(value: float, step: float) -> float:
    """Round to the nearest multiple of `step`, halves upward (a tie takes the larger size)."""
    return round(math.floor(value / step + 0.5 + _EPS) * step, 3)


# Allowance: last length = foot + 2 size units, so each formula's offset contains it.
_A = LAST_ALLOWANCE_SIZE_UNITS

SYSTEMS: dict[str, SizeSystem] = {
    s.key: s
    for s in (
        # UK: last length in barleycorns - 25 (adult scale); foot = last - 2 barleycorns,
        # so UK = 3 x foot(in) - 23 (iso19407).
        SizeSystem(
            "uk",
            0.5,
            "iso19407",
            lambda L: L / BARLEYCORN_MM - (25 - _A),
            lambda s: (s + 25 - _A) * BARLEYCORN_MM,
        ),
        # US men's (Brannock): 3 x foot(in) - 22 (brannock).
        SizeSystem(
            "us_men",
            0.5,
            "brannock",
            lambda L: L / BARLEYCORN_MM - (24 - _A),
            lambda s: (s + 24 - _A) * BARLEYCORN_MM,
        ),
        SizeSystem(
            "us_women",
            0.5,
            "brannock",
            lambda L: L / BARLEYCORN_MM - (24 - _A) + US_WOMEN_COMMON_OFFSET,
            lambda s: (s - US_WOMEN_COMMON_OFFSET + 24 - _A) * BARLEYCORN_MM,
        ),
        SizeSystem(
            "us_women_standard",
            0.5,
            "brannock",
            lambda L: L / BARLEYCORN_MM - (24 - _A) + US_WOMEN_STANDARD_OFFSET,
            lambda s: (s - US_WOMEN_STANDARD_OFFSET + 24 - _A) * BARLEYCORN_MM,
        ),
        # EU (Paris point, 2/3 cm): last length / (2/3 cm); last = foot + 2 Paris points,
        # so EU = 1.5 x foot(cm) + 2 (iso19407). Whole sizes, as the charts print them.
        SizeSystem(
            "eu",
            1.0,
            "iso19407",
            lambda L: L / PARIS_POINT_MM + _A,
            lambda s: (s - _A) * PARIS_POINT_MM,
        ),
        # Japan: the foot length in cm, 0.5 cm steps, no allowance (jis_s5037).
        SizeSystem("jp_cm", 0.5, "jis_s5037", lambda L: L / 10.0, lambda s: s * 10.0),
        # Mondopoint: the foot length in mm, 5 mm steps (iso9407).
        SizeSystem("mondopoint", 5.0, "iso9407", lambda L: L, lambda s: s),
    )
}

# --- Widths: Brannock letters (US) ----------------------------------------------------
# Letters 3/16 in apart; men's medium is D with D width ~ 2.75 in + 0.125 in x US men's
# size (brannock). Women's medium is B (brannock). Widths grade with foot length, not by
# sex: ANSUR II mean breadth at the mean length is 101.9 mm for men and 92.7 mm for women,
# where the D formula gives 101.7 and 92.4 mm (ansur2), so women's B sits where men's D
# does and a women's letter is two letters below the men's letter for the same foot.
WIDTH_STEP_MM = 3 / 16 * INCH_MM
WIDTH_LETTERS = ("4A", "3A", "2A", "A", "B", "C", "D", "E", "2E", "3E", "4E", "5E")
MEDIUM_WIDTH = {"men": "D", "women": "B"}
_WIDTH_ALIASES = {
    "AAAA": "4A",
    "AAA": "3A",
    "AA": "2A",
    "EE": "2E",
    "EEE": "3E",
    "EEEE": "4E",
    "EEEEE": "5E",
}


def normalise_width(letter: str) -> str:
    """A US width letter in canonical form ("EE" -> "2E", "aaa" -> "3A"); ValueError if unknown."""
    key = letter.strip().upper()
    key = _WIDTH_ALIASES.get(key, key)
    if key not in WIDTH_LETTERS:
        raise ValueError(f"unknown width letter {letter!r}")
    return key


def width_index(letter: str) -> int:
    """Position of a width letter on the narrow-to-wide scale."""
    return WIDTH_LETTERS.index(normalise_width(letter))


def medium_width_mm(length_mm: float) -> float:
    """Foot width that reads as medium (men's D, women's B) at this foot length (brannock)."""
    us_men = SYSTEMS["us_men"].to_size(length_mm)
    return (2.75 + 0.125 * us_men) * INCH_MM


def us_width_letter(length_mm: float, width_mm: float, sex: str = "men") -> str:
    """Nearest Brannock width letter for a foot, on the men's or women's scale."""
    steps = (width_mm - medium_width_mm(length_mm)) / WIDTH_STEP_MM
    idx = WIDTH_LETTERS.index(MEDIUM_WIDTH[sex_key(sex)]) + math.floor(steps + 0.5)
    return WIDTH_LETTERS[min(max(idx, 0), len(WIDTH_LETTERS) - 1)]


# --- Widths: JIS S 5037 ball-girth grades (Japan) ---------------------------------------
# Men: grade A at 20.0 cm is 189 mm girth; women: A at 19.5 cm is 183 mm; each grade
# +6 mm, each 0.5 cm of length +3 mm (jis_s5037, annex tables 1 and 2).
JIS_GRADES = {
    "men": ("A", "B", "C", "D", "E", "EE", "EEE", "EEEE", "F", "G"),
    "women": ("A", "B", "C", "D", "E", "EE", "EEE", "EEEE", "F"),
}
JIS_GIRTH_A = {"men": (200.0, 189.0), "women": (195.0, 183.0)}  # (length mm, girth mm)
JIS_GIRTH_PER_GRADE_MM = 6.0
JIS_GIRTH_PER_MM_LENGTH = 3.0 / 5.0
# The kiosk sees width, not girth: girth is estimated from breadth and length by a linear
# regression on ANSUR II (ball-of-foot circumference ~ a + b x breadth + c x length).
# Residual SD is 6.3 mm (men) and 5.7 mm (women), about one grade, so the JIS grade is
# an estimate and is labelled so (ansur2).
ANSUR_GIRTH_FROM_BREADTH = {
    "men": (17.76, 1.953, 0.1303),
    "women": (12.20, 1.861, 0.1761),
}
ANSUR_GIRTH_RESIDUAL_SD_MM = {"men": 6.3, "women": 5.7}


def estimated_girth_mm(length_mm: float, width_mm: float, sex: str = "men") -> float:
    """Ball girth estimated from foot breadth and length (ANSUR II regression)."""
    a, b, c = ANSUR_GIRTH_FROM_BREADTH[sex_key(sex)]
    return a + b * width_mm + c * length_mm


def jis_girth_mm(length_mm: float, grade: str, sex: str = "men") -> float:
    """The JIS S 5037 girth of `grade` at the JIS length step nearest `length_mm`."""
    key = sex_key(sex)
    base_len, base_girth = JIS_GIRTH_A[key]
    step_len = round_to_step(length_mm, 5.0)
    idx = JIS_GRADES[key].index(grade)
    return (
        base_girth + (step_len - base_len) * JIS_GIRTH_PER_MM_LENGTH + idx * JIS_GIRTH_PER_GRADE_MM
    )


def jis_width_grade(length_mm: float, girth_mm: float, sex: str = "men") -> str:
    """Nearest JIS S 5037 grade for a ball girth at a foot length (clamped to the table)."""
    key = sex_key(sex)
    a_girth = jis_girth_mm(length_mm, "A", key)
    idx = math.floor((girth_mm - a_girth) / JIS_GIRTH_PER_GRADE_MM + 0.5)
    grades = JIS_GRADES[key]
    return grades[min(max(idx, 0), len(grades) - 1)]


def sex_key(sex: str | None) -> str:
    """ "men"/"women" from the spellings reports use (male/female, m/f, men/women)."""
    if sex is None:
        return "men"
    s = sex.strip().lower()
    if s in ("male", "m", "men", "man"):
        return "men"
    if s in ("female", "f", "women", "woman"):
        return "women"
    raise ValueError(f"unknown sex {sex!r}: use 'male' or 'female' (or leave it out)")


def foot_sizes(length_mm: float, width_mm: float | None, sex: str | None = None) -> dict:
    """All sizes for one foot: every length system, US width letters and the JIS grade.

    `sex` picks the width scale for `width` (men's D / women's B medium); without it the
    men's (unisex) scale is used. The exact, unrounded sizes are included so a brand
    table with other steps (EU halves, thirds) can be matched later.
    """
    if not (length_mm > 0):
        raise ValueError(f"foot length must be positive, got {length_mm!r}")
    key = sex_key(sex)
    out: dict = {name: system.size(length_mm) for name, system in SYSTEMS.items()}
    out["eu"] = int(out["eu"])
    out["mondopoint"] = int(out["mondopoint"])
    out["exact"] = {name: round(sys.to_size(length_mm), 3) for name, sys in SYSTEMS.items()}
    out["length_mm"] = round(float(length_mm), 1)
    out["width_mm"] = None if width_mm is None else round(float(width_mm), 1)
    out["sex_scale"] = key
    if width_mm is None:
        out.update(width=None, width_us_men=None, width_us_women=None, width_jis=None)
        out["mondopoint_label"] = f"{out['mondopoint']}"
        return out
    out["width_us_men"] = us_width_letter(length_mm, width_mm, "men")
    out["width_us_women"] = us_width_letter(length_mm, width_mm, "women")
    out["width"] = out["width_us_women"] if key == "women" else out["width_us_men"]
    girth = estimated_girth_mm(length_mm, width_mm, key)
    out["width_jis"] = jis_width_grade(length_mm, girth, key)
    out["jis_girth_estimated_mm"] = round(girth, 1)
    out["jis_girth_uncertainty_mm"] = ANSUR_GIRTH_RESIDUAL_SD_MM[key]
    # ISO 9407 designation: length/width in mm
    out["mondopoint_label"] = f"{out['mondopoint']}/{round(float(width_mm))}"
    return out


def length_difference_in_sizes(a_mm: float, b_mm: float) -> float:
    """How many UK/US size steps (barleycorns) two foot lengths are apart."""
    return abs(a_mm - b_mm) / BARLEYCORN_MM


def pair_sizes(left: dict, right: dict, sex: str | None = None) -> dict:
    """The report's `size` block for a pair of feet: the larger foot decides.

    `left`/`right` are the report's foot dicts (length_mm, width_mm). The block holds the
    sizes of the longer foot, the width of the wider one, both feet's own sizes under
    `per_foot`, and a note when the feet differ by half a size or more.
    """
    per_foot: dict[str, dict | None] = {}
    for side, foot in (("left", left), ("right", right)):
        length = (foot or {}).get("length_mm")
        per_foot[side] = (
            None if length is None else foot_sizes(length, (foot or {}).get("width_mm"), sex)
        )
    measured = {side: s for side, s in per_foot.items() if s is not None}
    if not measured:
        raise ValueError("neither foot has a length: no size can be given")
    longer_side = max(measured, key=lambda s: (measured[s]["length_mm"], s == "right"))
    block = {
        k: v
        for k, v in measured[longer_side].items()
        if k not in ("width", "width_us_men", "width_us_women", "width_jis")
    }
    widths = [s for s in measured.values() if s["width_mm"] is not None]
    if widths:
        wider = max(widths, key=lambda s: width_index(s["width_us_men"]))
        for k in ("width", "width_us_men", "width_us_women", "width_jis"):
            block[k] = max(
                (s[k] for s in widths),
                key=lambda w, k=k: (
                    JIS_GRADES[sex_key(sex)].index(w) if k == "width_jis" else width_index(w)
                ),
            )
        block["mondopoint_label"] = f"{block['mondopoint']}/{round(wider['width_mm'])}"
    else:
        block.update(width=None, width_us_men=None, width_us_women=None, width_jis=None)
    block["decided_by"] = longer_side
    block["per_foot"] = per_foot
    notes = []
    if len(measured) == 2:
        diff_mm = abs(measured["left"]["length_mm"] - measured["right"]["length_mm"])
        block["length_difference_mm"] = round(diff_mm, 1)
        if diff_mm >= ASYMMETRY_NOTE_MM - 1e-6:
            notes.append(
                {
                    "key": "feet_differ",
                    "longer": longer_side,
                    "difference_mm": round(diff_mm, 1),
                    "difference_sizes": round(
                        length_difference_in_sizes(
                            measured["left"]["length_mm"], measured["right"]["length_mm"]
                        ),
                        2,
                    ),
                }
            )
    else:
        notes.append({"key": "one_foot_only", "measured": longer_side})
    block["notes"] = notes
    block["allowance"] = {
        "size_units": LAST_ALLOWANCE_SIZE_UNITS,
        "text": "last length = foot length + 2 size units (2 barleycorns = 16.9 mm for "
        "UK/US, 2 Paris points = 13.3 mm for EU); JP and Mondopoint are foot length",
    }
    return block
