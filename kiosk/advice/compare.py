"""Before/after: the shopper's first walk beside a walk in a recommended shoe or insole.

Per foot the peak rearfoot eversion of both walks, the change, and both rolling classes
are put side by side. A change smaller than the measurement's borderline band is called
"about the same": the camera cannot tell such walks apart, and the kiosk says so rather
than sell on noise.
"""

from __future__ import annotations

from typing import Any

from kiosk import i18n
from kiosk.advice.classes import gait_of, rolling_class
from kiosk.advice.thresholds import EVERSION_BORDERLINE_DEG

SIDES = ("left", "right")


def _foot(report: dict, side: str) -> dict:
    return (report.get("feet") or {}).get(side) or {}


def compare_gait(
    before: dict, after: dict, lang: str = "en", product: str | None = None
) -> dict[str, Any]:
    """Side-by-side rearfoot figures of two gait reports, with the change per foot.

    `product` names what the second walk was in (shown in the title). Both walks are
    classed with the gait (walking/running) of each report, so a jog is never compared
    against walking thresholds.
    """
    band = EVERSION_BORDERLINE_DEG
    feet: dict[str, Any] = {}
    lines: list[str] = []
    for side in SIDES:
        b, a = _foot(before, side), _foot(after, side)
        vb, va = b.get("peak_eversion_deg"), a.get("peak_eversion_deg")
        side_name = i18n.t(f"side.{side}", lang)
        if vb is None or va is None:
            feet[side] = {"before": vb, "after": va, "change_deg": None, "verdict": None}
            lines.append(i18n.t("compare.missing", lang, side=side_name))
            continue
        change = float(va) - float(vb)
        if abs(change) <= band:
            verdict = "same"
            change_text = i18n.t("compare.same", lang, band=f"{band:g}")
        elif change < 0:
            verdict = "less"
            change_text = i18n.t("compare.less", lang, value=f"{abs(change):.1f}")
        else:
            verdict = "more"
            change_text = i18n.t("compare.more", lang, value=f"{abs(change):.1f}")
        feet[side] = {
            "before": round(float(vb), 1),
            "after": round(float(va), 1),
            "change_deg": round(change, 1),
            "verdict": verdict,
            "before_class": rolling_class(vb, gait_of(before), b.get("confidence")),
            "after_class": rolling_class(va, gait_of(after), a.get("confidence")),
            "steps": {"before": b.get("steps"), "after": a.get("steps")},
        }
        lines.append(
            i18n.t(
                "compare.foot",
                lang,
                side=side_name,
                before=f"{float(vb):.1f}",
                after=f"{float(va):.1f}",
                change=change_text,
            )
        )
    title = i18n.t("compare.title", lang, product=product) if product else None
    return {
        "title": title,
        "feet": feet,
        "cadence_spm": {"before": before.get("cadence_spm"), "after": after.get("cadence_spm")},
        "band_deg": band,
        "lines": lines,
        "note": i18n.t("compare.note", lang, band=f"{band:g}"),
        "disclaimer": i18n.t("advice.not_diagnosis", lang),
    }
