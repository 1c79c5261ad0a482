"""The one table of thresholds behind the kiosk's advice, each number beside its source.

Arch type by Arch Height Index, rolling class by peak rearfoot eversion (walking and
running), the borderline bands around those cut-offs, and the fit allowances used when
turning foot length and width into shoe sizes. Reports carry the short source keys of
SOURCES so that every label can be traced back to a publication (or to a stated kiosk
policy where no publication gives the number). Size-system constants live in sizes.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """A publication (or a stated kiosk policy) that a threshold comes from."""

    key: str
    citation: str
    note: str = ""


SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source(
            "perry2010",
            "Perry J, Burnfield JM. Gait Analysis: Normal and Pathological Function. 2nd ed. "
            "SLACK; 2010.",
            "Walking at a self-selected speed: stance 60-62 % of the gait cycle.",
        ),
        Source(
            "novacheck1998",
            "Novacheck TF. The biomechanics of running. Gait Posture 1998;7:77-95.",
            "Running (3.2 m/s): toe-off at 39 % of the gait cycle.",
        ),
        Source(
            "williams2001",
            "Williams DS, McClay IS, Hamill J. Arch structure and injury patterns in runners. "
            "Clin Biomech 2001;16:341-347.",
            "AHI cut-offs low <= 0.275, high >= 0.356 (about mean -/+ 1.5 SD of their runners).",
        ),
        Source(
            "williams2000",
            "Williams DS, McClay IS. Measurements used to characterize the foot and the medial "
            "longitudinal arch: reliability and validity. Phys Ther 2000;80:864-871.",
            "Defines AHI = dorsal height at 50 % foot length / truncated foot length.",
        ),
        Source(
            "mcpoil2008",
            "McPoil TG et al. Effect of using truncated versus total foot length to calculate "
            "the arch height ratio. Foot 2008;18:220-227 (n = 850).",
            "Relaxed standing on both feet is the validated posture; truncated length can be "
            "estimated from total foot length.",
        ),
        Source(
            "butler2008",
            "Butler RJ et al. Arch height index measurement system: establishment of "
            "reliability and normative values. JAPMA 2008;98:102-106.",
            "Normative AHI values; not yet checked against the original (see METHOD.md).",
        ),
        Source(
            "pohl2010",
            "Pohl MB, Farr L. A comparison of foot arch measurement reliability using both "
            "digital photography and calliper methods. J Foot Ankle Res 2010;3:14.",
            "SEM of AHI < 0.009 (about 1.6 mm of dorsal height).",
        ),
        Source(
            "lee2012",
            "Lee SY, Hertel J. Arch height and maximum rearfoot eversion during jogging in 2 "
            "static neutral positions. J Athl Train 2012;47:83-90.",
            "Peak rearfoot eversion jogging (2.65 m/s, n = 33): 10.91 +/- 5.34 deg against "
            "subtalar neutral, 4.03 +/- 2.58 deg against relaxed standing.",
        ),
        Source(
            "mcpoil1994",
            "McPoil TG, Cornwall MW. Relationship between neutral subtalar joint position and "
            "pattern of rearfoot motion during walking. Foot Ankle Int 1994;15:141-145.",
            "In walking the rearfoot everts to about the relaxed standing posture.",
        ),
        Source(
            "jarvis2012",
            "Jarvis HL et al. (J Foot Ankle Res 2012;5:14), as summarised in REFERENCE.md.",
            "Resting calcaneal stance of healthy adults 6.1 +/- 2.7 deg everted.",
        ),
        Source(
            "areblad1990",
            "Areblad M et al. Three-dimensional measurement of rearfoot motion during running. "
            "J Biomech 1990;23:933-940.",
            "About 1 deg of 2D rearfoot-angle error per 2 deg of foot-to-camera misalignment.",
        ),
        Source(
            "tudorlocke2019",
            "Tudor-Locke C et al. Walking cadence (steps/min) and intensity in 21-40 year olds: "
            "CADENCE-adults. Int J Behav Nutr Phys Act 2019;16:8.",
            "Adult walking cadences sit around 100-130 steps/min.",
        ),
        Source(
            "brannock",
            "Brannock Device Co. foot measuring scale (US men's = 3 x foot length in inches - 22; "
            "widths 3/16 in apart, men's D ~ 2.75 in + 0.125 in x size), per REFERENCE.md.",
        ),
        Source(
            "iso19407",
            "ISO/TS 19407 shoe size conversions (EU Paris point, UK, US formulas), per "
            "REFERENCE.md; official ISO 19407:2023 tables not yet checked.",
        ),
        Source("iso9407", "ISO 9407 Mondopoint: foot length (and width) in millimetres."),
        Source(
            "jis_s5037",
            "JIS S 5037:1998 Shoe sizes. Annex tables 1 (men) and 2 (women): foot length in "
            "0.5 cm steps; ball girth grades A...EEEE, F, G, 6 mm per grade, +3 mm per 0.5 cm.",
        ),
        Source(
            "ansur2",
            "2012 US Army Anthropometric Survey (ANSUR II) public release, 4,082 men and 1,986 "
            "women; regressions computed from ../shared/realdata/ansur2/.",
        ),
        # --- the personal plan's exercises and habits (kiosk/advice/plan.py) ---------
        Source(
            "mulligan2013",
            "Mulligan EP, Cook PG. Effect of plantar intrinsic muscle training on medial "
            "longitudinal arch morphology and dynamic function. Man Ther 2013;18:425-430.",
            "Single group, no control: 21 asymptomatic adults (42 feet) trained the "
            "short-foot exercise for 4 weeks; navicular drop fell by 1.8 mm at 4 weeks and "
            "2.2 mm at 8 weeks, AHI rose from 0.28 to 0.29, single-leg balance and reach "
            "improved (figures from the published abstract).",
        ),
        Source(
            "digiovanni2003",
            "DiGiovanni BF et al. Tissue-specific plantar fascia-stretching exercise enhances "
            "outcomes in patients with chronic heel pain. A prospective, randomized study. "
            "J Bone Joint Surg Am 2003;85:1270-1277.",
            "101 patients with chronic proximal plantar fasciitis (>= 10 months) randomised "
            "to a plantar-fascia-specific stretch or an Achilles tendon stretch, all with "
            "soft insoles, 3 weeks of celecoxib and an education video; of the 82 seen at "
            "8 weeks, the plantar-fascia stretch group did better on pain and satisfaction "
            "(from the published abstract and its 2-year follow-up, JBJS 2006;88:1775). "
            "The exact dose was not read from the methods: the kiosk's dose is kiosk_policy.",
        ),
        Source(
            "khamis2007",
            "Khamis S, Yizhar Z. Effect of feet hyperpronation on pelvic alignment in a "
            "standing position. Gait Posture 2007;25:127-134.",
            "35 healthy adults stood on wedges of 10, 15 and 20 deg that induced "
            "hyperpronation: internal shank rotation, internal hip rotation and anterior "
            "pelvic tilt all increased (p < 0.0001); standing, healthy subjects only "
            "(figures from the published abstract).",
        ),
        Source(
            "cambron2017",
            "Cambron JA et al. Shoe orthotics for the treatment of chronic low back pain: "
            "a randomized controlled trial. Arch Phys Med Rehabil 2017;98:1752-1762.",
            "225 adults with low back pain for >= 3 months randomised to custom orthoses, "
            "orthoses plus chiropractic care, or a waiting list: after 6 weeks orthoses "
            "improved pain (p < 0.0001) and function (p = 0.0068) against the waiting list; "
            "no placebo insole, and the groups no longer differed at 12 weeks (from the "
            "published abstract).",
        ),
        Source(
            "cook1985",
            "Cook SD, Kester MA, Brunet ME. Shock absorption characteristics of running "
            "shoes. Am J Sports Med 1985;13:248-253.",
            "Running shoes lost shock absorption with distance, fastest at first: on a "
            "running machine about 75 % of the new shoe's after 50 miles and about 60 % "
            "after 500 miles; shoes worn by runners kept about 80 %. Figures from a "
            "secondary summary of the paper, not the original.",
        ),
        Source(
            "kiosk_policy",
            "Kiosk policy, not a published number: chosen by the project and documented in "
            "docs/METHOD.md; change it here if a store or new evidence says otherwise.",
        ),
    )
}


@dataclass(frozen=True)
class ClassBands:
    """Three classes split by two cut-offs on one measured quantity.

    A value at or below `low_max` gets `labels[0]`, at or above `high_min` gets
    `labels[2]`, otherwise `labels[1]`. Within `borderline` of either cut-off the label is
    still given but flagged as borderline, so the kiosk shows the number and its
    uncertainty instead of a hard call.
    """

    quantity: str
    unit: str
    labels: tuple[str, str, str]
    low_max: float
    high_min: float
    borderline: float
    source: str
    borderline_source: str


# --- Arch type by Arch Height Index (standing, both feet loaded) -------------------
# Cut-offs from Williams, McClay & Hamill 2001 (runners; about mean -/+ 1.5 SD).
# The kiosk's AHI uses truncated length = 0.73 x foot length (kiosk.measures, DESIGN.md
# section 3; McPoil 2008 supports estimating it from total length). Borderline band = one SEM of
# AHI measurement (Pohl & Farr 2010); our depth camera's own SEM is still to be measured.
ARCH_AHI = ClassBands(
    quantity="arch_height_index",
    unit="",
    labels=("low", "normal", "high"),
    low_max=0.275,  # williams2001
    high_min=0.356,  # williams2001
    borderline=0.009,  # pohl2010: SEM < 0.009 AHI units
    source="williams2001",
    borderline_source="pohl2010",
)

# The AHI distribution used to simulate shoppers: mean and SD inferred from the
# Williams 2001 cut-offs (0.275 and 0.356 are mean -/+ 1.5 SD of 0.316 +/- 0.027);
# REFERENCE.md marks the original normative values (Butler 2008, McPoil 2008) open.
AHI_POPULATION_MEAN = 0.316  # williams2001 (inferred)
AHI_POPULATION_SD = 0.027  # williams2001 (inferred)

# Class cut-offs at mean -/+ 1.5 SD, the convention Williams 2001 used for AHI, applied
# to the rearfoot distributions below so the three measures are classed alike.
CUTOFF_SD = 1.5  # williams2001 convention

# --- Rolling class by peak rearfoot eversion (deg, positive = eversion) --------------
# There is no consensus threshold for over-pronation (REFERENCE.md); these are
# population bands, shown with the number and a borderline band, never a diagnosis.
#
# Walking: the rearfoot everts to about the relaxed standing posture in walking
# (McPoil & Cornwall 1994), whose healthy-adult value is 6.1 +/- 2.7 deg (Jarvis 2012).
WALK_EVERSION_MEAN_DEG = 6.1  # jarvis2012, via mcpoil1994
WALK_EVERSION_SD_DEG = 2.7  # jarvis2012
# Running: peak eversion of joggers measured against a neutral (shank-heel aligned)
# reference, which is what the kiosk's absolute shank/heel angle is (Lee & Hertel 2012).
RUN_EVERSION_MEAN_DEG = 10.91  # lee2012 (subtalar-neutral reference)
RUN_EVERSION_SD_DEG = 5.34  # lee2012
# Borderline band: ~1 deg of 2D error per 2 deg of foot-to-camera misalignment
# (Areblad 1990); a shopper's foot can sit ~4 deg off the treadmill axis, so +/- 2 deg.
EVERSION_BORDERLINE_DEG = 2.0  # areblad1990

ROLLING_EVERSION: dict[str, ClassBands] = {
    "walking": ClassBands(
        quantity="peak_eversion_deg",
        unit="deg",
        labels=("underpronation", "neutral", "overpronation"),
        low_max=round(WALK_EVERSION_MEAN_DEG - CUTOFF_SD * WALK_EVERSION_SD_DEG, 2),  # 2.05
        high_min=round(WALK_EVERSION_MEAN_DEG + CUTOFF_SD * WALK_EVERSION_SD_DEG, 2),  # 10.15
        borderline=EVERSION_BORDERLINE_DEG,
        source="mcpoil1994+jarvis2012",
        borderline_source="areblad1990",
    ),
    "running": ClassBands(
        quantity="peak_eversion_deg",
        unit="deg",
        labels=("underpronation", "neutral", "overpronation"),
        low_max=round(RUN_EVERSION_MEAN_DEG - CUTOFF_SD * RUN_EVERSION_SD_DEG, 2),  # 2.90
        high_min=round(RUN_EVERSION_MEAN_DEG + CUTOFF_SD * RUN_EVERSION_SD_DEG, 2),  # 18.92
        borderline=EVERSION_BORDERLINE_DEG,
        source="lee2012",
        borderline_source="areblad1990",
    ),
}

# A gait report that does not say whether the shopper walked or ran is classed by
# cadence: adults walk at about 100-130 steps/min (Tudor-Locke 2019) and jog well above.
RUNNING_CADENCE_MIN_SPM = 140.0  # kiosk_policy, informed by tudorlocke2019

# Below this measurement confidence a class is never "clear": the label is shown with
# its number, but rules that need a clear class (e.g. stability shoes) do not fire.
MIN_CONFIDENCE_FOR_CLEAR_CLASS = 0.5  # kiosk_policy

# --- Stance phase, for drawing the heel angle over stance only --------------------------
# Where a gait report carries no heel-strike/toe-off times (older reports), the results
# chart ends the stance phase at the typical toe-off, and says it is typical.
TYPICAL_TOE_OFF_PCT: dict[str, float] = {
    "walking": 62.0,  # perry2010
    "running": 39.0,  # novacheck1998
}

# --- Fit allowances -------------------------------------------------------------------
# Adult last length = foot length + 2 size units (ISO/TS 19407 formulas, REFERENCE.md):
# the toe room is already inside each system's size formula in sizes.py.
LAST_ALLOWANCE_SIZE_UNITS = 2  # iso19407
# The feet differ "by half a size or more" when their lengths differ by at least half a
# UK/US size step: 1/6 inch = 4.23 mm (one barleycorn is 1/3 inch).
ASYMMETRY_NOTE_MM = 25.4 / 6  # brannock (half a barleycorn size)
# A shoe one width letter wider than the measured foot still fits (laces take up the
# slack); narrower never. Widths more than this apart are not offered as fitting.
WIDTH_LETTERS_WIDER_ALLOWED = 1  # kiosk_policy
# When nothing fits, "nearest" options are at most this many size steps away.
NEAREST_MAX_SIZE_STEPS = 2  # kiosk_policy


def source_citation(key: str) -> str:
    """The citation for a source key; combined keys ("a+b") give both, joined."""
    parts = [SOURCES[k].citation for k in key.split("+")]
    return " | ".join(parts)


def thresholds_table() -> list[dict]:
    """Every class threshold as rows (quantity, gait, cut-offs, band, source) for docs and UI."""
    rows = [
        {
            "class": "arch",
            "gait": None,
            "quantity": ARCH_AHI.quantity,
            "labels": list(ARCH_AHI.labels),
            "low_max": ARCH_AHI.low_max,
            "high_min": ARCH_AHI.high_min,
            "borderline": ARCH_AHI.borderline,
            "source": ARCH_AHI.source,
            "borderline_source": ARCH_AHI.borderline_source,
        }
    ]
    for gait, bands in ROLLING_EVERSION.items():
        rows.append(
            {
                "class": "rolling",
                "gait": gait,
                "quantity": bands.quantity,
                "labels": list(bands.labels),
                "low_max": bands.low_max,
                "high_min": bands.high_min,
                "borderline": bands.borderline,
                "source": bands.source,
                "borderline_source": bands.borderline_source,
            }
        )
    return rows
