"""The table behind the personal plan: exercises and habits, each with its dose, its
trigger, its contraindications and its source, in one place.

A trigger (`when`) and a contraindication are conditions in the rules format
(kiosk/advice/rules.py), tested on the same shopper facts as product rules, so a
contraindication is checked by the machine and never only printed. Sources are keys of
thresholds.SOURCES; where a dose or trigger is our own choice it says `kiosk_policy`.
Words live in kiosk/i18n.py under `plan.<id>.*`; this table holds codes and numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SECTIONS = ("clinician", "observation", "exercise", "habit", "store", "general")


@dataclass(frozen=True)
class Dose:
    """How much of an exercise: sets x reps (each held hold_s), times per day."""

    sets: int
    reps: int
    hold_s: int | None
    times_per_day: int
    weeks: int | None = None


@dataclass(frozen=True)
class PlanEntry:
    """One exercise or habit: when it is chosen, when it must never be, and why."""

    id: str
    section: str
    when: dict[str, Any]
    source: str  # thresholds.SOURCES key(s), "+"-joined, of what the entry says
    trigger_source: str  # of why this shopper gets it
    dose: Dose | None = None
    dose_source: str | None = None
    contraindicated: dict[str, Any] | None = None  # never shown when this holds
    illustration: str | None = None  # an SVG drawn by the _plan.html template
    tags: tuple[str, ...] = field(default_factory=tuple)


LOW_OR_INWARD = {"any": [{"arch": "low"}, {"rolling": "overpronation"}]}
LOWER_LEG_PAIN = ("feet", "knees", "hips", "lower_back")

ENTRIES: tuple[PlanEntry, ...] = (
    # --- the clinician comes first whenever something aches ----------------------------
    PlanEntry(
        id="clinician",
        section="clinician",
        when={"pain": True},
        source="kiosk_policy",
        trigger_source="kiosk_policy",
    ),
    # --- observations: the kinetic chain in the shopper's own numbers -------------------
    PlanEntry(
        id="chain_inward",
        section="observation",
        when=LOW_OR_INWARD,
        source="khamis2007",
        trigger_source="williams2001+lee2012",
        illustration="chain",
    ),
    PlanEntry(
        id="knee_line",
        section="observation",
        when={"has_knee_angle": True},  # only where the pose block measured it (front/rear)
        source="kiosk_policy",
        trigger_source="kiosk_policy",
    ),
    PlanEntry(
        id="typical",
        section="observation",
        when={"has_standing": True, "not": LOW_OR_INWARD},
        source="williams2001",
        trigger_source="williams2001",
    ),
    # --- exercises ------------------------------------------------------------------------
    PlanEntry(
        id="short_foot",
        section="exercise",
        when=LOW_OR_INWARD,
        source="mulligan2013",
        trigger_source="mulligan2013",
        # Mulligan & Cook trained daily for four weeks; sets and holds are our choice.
        dose=Dose(sets=3, reps=10, hold_s=5, times_per_day=1, weeks=4),
        dose_source="mulligan2013+kiosk_policy",
        # an aching foot is examined before it is trained
        contraindicated={"aches": ["feet"]},
        illustration="short_foot",
    ),
    PlanEntry(
        id="single_leg_short_foot",
        section="exercise",
        when=LOW_OR_INWARD,
        source="mulligan2013",
        trigger_source="mulligan2013",
        dose=Dose(sets=3, reps=5, hold_s=10, times_per_day=1, weeks=4),
        dose_source="mulligan2013+kiosk_policy",
        # one leg carries the whole body: not on a joint that aches
        contraindicated={"aches": list(LOWER_LEG_PAIN)},
        illustration="single_leg",
    ),
    PlanEntry(
        id="plantar_fascia_stretch",
        section="exercise",
        when={"aches": ["heels"]},
        source="digiovanni2003",
        trigger_source="digiovanni2003",
        dose=Dose(sets=1, reps=10, hold_s=10, times_per_day=3),
        dose_source="kiosk_policy",  # DiGiovanni's methods not read; see thresholds.SOURCES
        illustration="plantar_fascia",
    ),
    PlanEntry(
        id="calf_stretch",
        section="exercise",
        when={"any": [{"aches": ["heels"]}, {"heels_at_work": True}]},
        # DiGiovanni's comparison arm, which did less for heel pain than the
        # plantar-fascia stretch: offered beside it, and to heel-wearers, by our choice
        source="digiovanni2003+kiosk_policy",
        trigger_source="kiosk_policy",
        dose=Dose(sets=1, reps=10, hold_s=10, times_per_day=3),
        dose_source="kiosk_policy",
    ),
    # --- habits ---------------------------------------------------------------------------
    PlanEntry(
        id="running_shoe_age",
        section="habit",
        when={"shoe_km": ["500_800", "800_plus"]},
        source="cook1985",
        trigger_source="cook1985+kiosk_policy",  # the 500 km line is ours
    ),
    PlanEntry(
        id="everyday_shoe_age",
        section="habit",
        when={"shoe_age_months": ["12_24", "24_plus"]},
        source="kiosk_policy",
        trigger_source="kiosk_policy",
    ),
    PlanEntry(
        id="long_standing",
        section="habit",
        when={"any": [{"activity": "hard_floors"}, {"hours_on_feet": "gt8"}]},
        source="kiosk_policy",
        trigger_source="kiosk_policy",
    ),
    PlanEntry(
        id="heels_at_work",
        section="habit",
        when={"heels_at_work": True},
        source="kiosk_policy",
        trigger_source="kiosk_policy",
    ),
    PlanEntry(
        id="orthoses_back",
        section="habit",
        when={"aches": ["lower_back"]},
        source="cambron2017",
        trigger_source="cambron2017",
    ),
)

ENTRY_IDS: tuple[str, ...] = tuple(e.id for e in ENTRIES)
# When no entry applies, the plan says so in one line (never an empty plan).
GENERAL_ID = "general"
GENERAL_SOURCE = "kiosk_policy"


def entry(entry_id: str) -> PlanEntry:
    for e in ENTRIES:
        if e.id == entry_id:
            return e
    raise KeyError(entry_id)
