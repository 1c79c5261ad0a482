"""What the results screen shows of the advice: one line per product, and the heel angle
over stance.

`recommend()` ranks catalogue rows, and a catalogue lists a model's men's and women's
versions as separate rows; a shopper who did not give their sex would see the same shoe
twice. `product_items` folds those rows into one item per product with the size to ask for
in the chart the shopper chose, naming men's/women's only where the chart's answer differs.
`stance_chart` cuts the heel-angle curve to the stance phase: during swing the heel is in
the air and the camera measures nothing, so nothing is drawn there.
"""

from __future__ import annotations

import itertools
from typing import Any

from kiosk import i18n
from kiosk.advice.catalogue import ANY_WIDTH
from kiosk.advice.classes import gait_of
from kiosk.advice.sizes import SYSTEMS
from kiosk.advice.thresholds import ROLLING_EVERSION, TYPICAL_TOE_OFF_PCT

SIDES = ("left", "right")
# The charts a shopper may pick on the results screen; "us" is men's or women's by product.
CHARTS = ("eu", "uk", "us", "jp_cm", "mondopoint")
GENDERS = ("men", "women")


def _fmt_size(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def longer_foot_mm(standing: dict | None) -> float | None:
    """The longer measured foot (sizes follow it), or None without a standing report."""
    feet = (standing or {}).get("feet") or {}
    lengths = [(feet.get(s) or {}).get("length_mm") for s in SIDES]
    lengths = [float(v) for v in lengths if v is not None]
    return max(lengths) if lengths else None


def chart_system(chart: str, gender: str) -> str:
    """The size system of `chart` for a product of `gender` ("men" | "women")."""
    if chart == "us":
        return "us_women" if gender == "women" else "us_men"
    return chart


def _genders(item: dict, sex: str | None) -> tuple[str, ...]:
    """The charts' sexes an item is asked for in: its own, or for a unisex product the
    shopper's, or both when the shopper did not say."""
    g = item.get("gender")
    if g in GENDERS:
        return (g,)
    if sex in ("male", "female"):
        return ("women" if sex == "female" else "men",)
    return GENDERS


def _size_in_chart(item: dict, system: str, length_mm: float) -> str:
    """The size label of `item`'s fetched size in `system`: the stocked label itself when
    the product is sized in that system, else converted through the foot length."""
    fetch = item["fetch"]
    own = fetch["size_system"]
    if system == own:
        return str(fetch["size"])
    delta = float(item.get("size_delta") or 0.0)
    if delta:  # the nearest stocked size, not the shopper's own: convert that size
        src = SYSTEMS[own]
        length_mm = src.to_length(src.size(length_mm) + delta)
    return _fmt_size(SYSTEMS[system].size(length_mm))


def _asks(items: list[dict], chart: str, length_mm: float, sex: str | None) -> list[dict]:
    """(system, size, width, gender) per variant and sex, duplicates removed, best first."""
    out: list[dict] = []
    for item in items:
        width = item["fetch"]["width"]
        for gender in _genders(item, sex):
            system = chart_system(chart, gender)
            ask = {
                "system": system,
                "size": _size_in_chart(item, system, length_mm),
                "width": None if width == ANY_WIDTH else width,
                "gender": gender,
            }
            if not any(_same(ask, a) for a in out):
                out.append(ask)
    return out


def _same(a: dict, b: dict) -> bool:
    return (a["system"], a["size"], a["width"]) == (b["system"], b["size"], b["width"])


def ask_line(asks: list[dict], lang: str) -> str:
    """ "Ask for EU 42, width D." — with men's/women's only where the answers differ and
    the chart's name does not already say it (US men's / US women's)."""
    parts = []
    for a in asks:
        key = "size.ask" if a["width"] else "size.ask_any_width"
        system = i18n.t(f"system.{a['system']}", lang)
        text = i18n.t(key, lang, system=system, size=a["size"], width=a["width"])
        if len(asks) > 1 and not a["system"].startswith("us_"):
            gender = i18n.t(f"gender.{a['gender']}", lang)
            text = i18n.t("size.ask_gender", lang, ask=text, gender=gender)
        parts.append(text)
    return i18n.t("size.ask_for", lang, asks=i18n.t("size.ask_or", lang).join(parts))


def product_items(
    advice: dict, standing: dict | None, chart: str, lang: str, sex: str | None = None
) -> list[dict]:
    """One entry per product (kind, brand, model) from an advice result, in rank order.

    Each entry: sku (its best-ranked catalogue row), kind, name, in_stock, asks, and
    `reason` (the ask line, then every rule's explanation once). In-stock fits come first,
    then per kind the nearest options when nothing fitted (in_stock False).
    """
    if chart not in CHARTS:
        raise ValueError(f"chart must be one of {', '.join(CHARTS)}, got {chart!r}")
    length_mm = longer_foot_mm(standing)
    groups: dict[tuple, dict] = {}
    rows = [(i, True) for i in advice.get("items", [])]
    for options in (advice.get("nearest") or {}).values():
        rows += [(i, False) for i in options]
    for item, in_stock in rows:
        key = (in_stock, item["kind"], item.get("brand"), item.get("model"))
        g = groups.setdefault(key, {"variants": [], "lines": []})
        g["variants"].append(item)
        for line in (item.get("explanation") or [])[1:]:  # [0] is the catalogue row's fetch line
            if line not in g["lines"]:
                g["lines"].append(line)
    out = []
    for (in_stock, kind, brand, model), g in groups.items():
        first = g["variants"][0]
        asks = _asks(g["variants"], chart, length_mm, sex) if length_mm is not None else []
        lines = ([ask_line(asks, lang)] if asks else []) + g["lines"]
        out.append(
            {
                "sku": first["sku"],
                "skus": [v["sku"] for v in g["variants"]],
                "kind": kind,
                "name": " ".join(str(x) for x in (brand, model) if x) or first["sku"],
                "in_stock": in_stock,
                "asks": asks,
                "reason": " ".join(lines) or None,
            }
        )
    return out


# --- the heel angle over stance ----------------------------------------------------------


def _toe_off_pct(foot: dict) -> float | None:
    """Mean toe-off as % of the gait cycle over the foot's full strides (heel strike to
    the next heel strike with a toe-off between), or None without event times."""
    strikes = sorted(foot.get("heel_strikes_s") or [])
    offs = sorted(foot.get("toe_offs_s") or [])
    pcts = []
    for a, b in itertools.pairwise(strikes):
        inside = [t for t in offs if a < t < b]
        if inside and b > a:
            pcts.append(100.0 * (inside[0] - a) / (b - a))
    return sum(pcts) / len(pcts) if pcts else None


def stance_chart(gait: dict | None) -> dict | None:
    """The heel-angle chart's data: per foot the curve over stance only (samples after
    toe-off are None), the toe-off in % of the cycle and whether it was measured; and the
    normal band of peak eversion for this gait. None when no foot has a curve."""
    if not gait:
        return None
    kind = gait_of(gait)
    feet: dict[str, Any] = {}
    for side in SIDES:
        foot = (gait.get("feet") or {}).get(side) or {}
        curve = foot.get("rearfoot_curve_deg")
        if not curve:
            continue
        toe_off = _toe_off_pct(foot)
        measured = toe_off is not None
        if toe_off is None:
            toe_off = TYPICAL_TOE_OFF_PCT[kind]
        n = len(curve)
        last = round(toe_off / 100.0 * (n - 1))
        feet[side] = {
            "curve": [v if i <= last else None for i, v in enumerate(curve)],
            "toe_off_pct": round(toe_off, 1),
            "toe_off_measured": measured,
            "peak_deg": foot.get("peak_eversion_deg"),
        }
    if not feet:
        return None
    bands = ROLLING_EVERSION[kind]
    return {
        "feet": feet,
        "gait": kind,
        "normal_band_deg": [bands.low_max, bands.high_min],
        "source": bands.source,
    }


def default_chart(size_systems: tuple[str, ...], lang: str) -> str:
    """The chart the results screen starts in: JP cm for a Japanese-speaking shopper where
    the store shows it (Japanese stores and boxes print cm), else the store's first chart."""
    charts = [c for c in size_systems if c in CHARTS] or ["eu"]
    if lang == "ja" and "jp_cm" in charts:
        return "jp_cm"
    return charts[0]


def compare_charts(before: dict | None, after: dict | None) -> dict[str, dict]:
    """Per foot, the heel-angle chart of two walks (`before`, `after`) over stance, in the
    shape `stance_chart` gives (series keyed "before"/"after"); feet measured in neither
    walk are left out. The normal band is the first walk's gait's."""
    charts: dict[str, dict] = {}
    b, a = stance_chart(before), stance_chart(after)
    for side in SIDES:
        series = {
            key: chart["feet"][side]
            for key, chart in (("before", b), ("after", a))
            if chart is not None and side in chart["feet"]
        }
        if series:
            band = (b or a)["normal_band_deg"]
            charts[side] = {"feet": series, "order": ["before", "after"], "normal_band_deg": band}
    return charts
