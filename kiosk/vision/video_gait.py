"""Gait timing and body alignment from 2D pose landmarks (webcam-only gait, and fusion).

Landmarks come from `kiosk.vision.pose`. This module follows each person in view over
time, chooses the one who walks, smooths their landmarks, finds heel strikes and toe-offs
per side, and measures cadence, stance-time symmetry, knee frontal-plane projection angle
and pelvic drop.
What 2D keypoints cannot measure (rearfoot eversion, rolling) is reported as unavailable.
docs/POSE.md explains every method and its limits.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.signal import butter, filtfilt, find_peaks

from kiosk.capture.frame import Frame, Roi
from kiosk.capture.video import VideoSource
from kiosk.errors import InputError, TooFewSteps
from kiosk.report import GaitFoot, GaitReport
from kiosk.vision.pose import (
    LANDMARK_INDEX,
    MAX_PEOPLE,
    NoPersonFound,
    PeopleFinder,
    PoseEstimator,
    PoseLandmarks,
)

log = logging.getLogger(__name__)

SIDES = ("left", "right")
_LEG = {
    side: [
        LANDMARK_INDEX[f"{side}_{part}"] for part in ("hip", "knee", "ankle", "heel", "foot_index")
    ]
    for side in SIDES
}
_HIP = {side: LANDMARK_INDEX[f"{side}_hip"] for side in SIDES}
_KNEE = {side: LANDMARK_INDEX[f"{side}_knee"] for side in SIDES}
_ANKLE = {side: LANDMARK_INDEX[f"{side}_ankle"] for side in SIDES}
_HEEL = {side: LANDMARK_INDEX[f"{side}_heel"] for side in SIDES}
_TOE = {side: LANDMARK_INDEX[f"{side}_foot_index"] for side in SIDES}
_SHOULDER = {side: LANDMARK_INDEX[f"{side}_shoulder"] for side in SIDES}
_EAR = {side: LANDMARK_INDEX[f"{side}_ear"] for side in SIDES}
_NOSE = LANDMARK_INDEX["nose"]

# --- Tunable numbers, each with its reason -------------------------------------------------
# Below this visibility a landmark is treated as missing and bridged from its neighbours.
MIN_VISIBILITY = 0.3
# Gaps without a person longer than this end a track (a different walk or a bystander).
MAX_GAP_S = 0.25
# A hip centre that jumps more than this many leg lengths between frames is another person.
MAX_JUMP_LEG_LENGTHS = 0.6
# Cost, in leg lengths, of overruling the model's left/right labels for one frame. Small:
# a swap the model keeps for a second (30 frames) is still undone when it makes the feet
# jump by half a leg length at each end; but positive, so the model's labels stand where
# the motion is ambiguous (the legs crossing).
LEG_SWAP_COST_LEG = 0.05
# Gait kinematics carry almost nothing above 6 Hz (Winter, Biomechanics and Motor Control of
# Human Movement, 4th ed., ch. 3); a zero-phase low-pass there removes keypoint jitter.
LOWPASS_HZ = 6.0
# Same-foot events are at least this far apart (one stride at 150 strides/min, a sprint).
MIN_STRIDE_S = 0.4
# Event peaks must stand out by this share of the signal's range, and by at least this
# many leg lengths, so that standing still or jitter yields no steps.
PEAK_PROMINENCE_SHARE = 0.25
MIN_PEAK_PROMINENCE_LEG = 0.03
# Shoulder width / torso length below this is a side view (the shoulders overlap);
# front-on adults measure about 0.7 (biacromial ~0.37 m over ~0.5 m of torso).
SIDE_VIEW_MAX_SHOULDER_RATIO = 0.35
# Stance lasts about 62 % of a walking stride (Perry & Burnfield, Gait Analysis, 2nd ed.);
# used only where a rear view hides heel strike timing.
WALK_STANCE_SHARE = 0.62
# Half-width of the window averaged around mid-stance.
MIDSTANCE_WINDOW_S = 0.05
# Heuristic trust in the event method per view (validated on real footage: side only).
VIEW_EVENT_TRUST = {"side": 1.0, "front": 0.7, "rear": 0.5}
# Walking legs move in antiphase: the other foot strikes about halfway through each stride
# (phase coordination near 50 % in healthy adults; Plotnik, Giladi & Hausdorff 2007, Exp
# Brain Res 181:561). The band is wide for 2D keypoint jitter; jumping, hopping or stamping
# in place (both feet in phase) falls outside it.
ANTIPHASE_BAND = (0.3, 0.7)
# A person seen for less than this is a glimpse (someone passing the edge, a false
# detection), neither counted among the people seen nor analysed.
MIN_PERSON_TRACK_S = 0.5
# A person's scale for linking is the median leg length over their last this many frames
# (half a second at 30 fps: steady through a stride, quick to follow someone approaching).
LEG_LENGTH_FRAMES = 15
# With a region of interest, a person is a candidate when their ankles are inside it for at
# least this share of the frames they are seen in.
MIN_SHARE_IN_REGION = 0.5
# A gait report needs at least this many heel strikes per foot (two strides, errors.py).
MIN_HEEL_STRIKES_PER_FOOT = 3
# Published limits of agreement for 2D frontal-plane ankle angles from sparse keypoints.
POSE_ANKLE_LOA_DEG = 24.0

DEPTH_ONLY_REASON = (
    "needs a depth camera: 2D keypoints cannot see the heel counter "
    f"(frontal ankle angles from pose agree only within about ±{POSE_ANKLE_LOA_DEG:.0f}°)"
)
VIEWS = ("side", "front", "rear")
UNAVAILABLE_IN_SIDE_VIEW = (
    "side view: the frontal plane is edge-on; knee and pelvis angles need a front or rear view"
)
UNAVAILABLE_IN_REAR_VIEW = (
    "rear view: heel strike timing cannot be seen from behind in 2D, so stance times are not "
    "measured"
)


@dataclass
class PoseTrack:
    """Landmarks over time for one clip: NaN and zero visibility where nobody was found."""

    t_s: np.ndarray  # (T,)
    frame_numbers: np.ndarray  # (T,)
    xy_px: np.ndarray  # (T, 33, 2)
    visibility: np.ndarray  # (T, 33)
    image_size: tuple[int, int] = (0, 0)  # width, height
    frames_without_colour: int = 0

    @property
    def found(self) -> np.ndarray:
        return ~np.isnan(self.xy_px[:, 0, 0])

    @property
    def fps(self) -> float:
        if len(self.t_s) < 2:
            return 0.0
        return float(1.0 / np.median(np.diff(self.t_s)))

    def window(self, start: int, stop: int) -> PoseTrack:
        return PoseTrack(
            self.t_s[start:stop],
            self.frame_numbers[start:stop],
            self.xy_px[start:stop],
            self.visibility[start:stop],
            self.image_size,
        )


@dataclass
class GaitEvents:
    """Per side, frame indices (into the analysed track) of heel strikes and toe-offs."""

    heel_strikes: dict[str, list[int]] = field(default_factory=dict)
    toe_offs: dict[str, list[int]] = field(default_factory=dict)
    heel_strikes_estimated: bool = False


# --- Building a track ------------------------------------------------------------------------


def _colour_frames(
    frames: Iterable[Frame | np.ndarray], fps: float | None
) -> Iterable[tuple[np.ndarray | None, float, int]]:
    """(RGB or None, time in s, frame number) for Frames, or for raw RGB arrays timed by fps."""
    for i, item in enumerate(frames):
        if isinstance(item, Frame):
            yield item.color, item.timestamp_s, item.number
        else:
            if not fps:
                raise ValueError("raw RGB frames need fps to be timed")
            yield item, i / fps, i


def track_pose(
    frames: Iterable[Frame | np.ndarray],
    estimator: PoseEstimator,
    fps: float | None = None,
) -> PoseTrack:
    """Run `estimator` over frames (Frame objects, or RGB arrays timed by `fps`)."""
    t_s: list[float] = []
    numbers: list[int] = []
    xy: list[np.ndarray] = []
    vis: list[np.ndarray] = []
    size = (0, 0)
    skipped = 0
    missing = np.full((33, 2), np.nan)
    for rgb, t, number in _colour_frames(frames, fps):
        if rgb is None:
            skipped += 1
            continue
        size = (rgb.shape[1], rgb.shape[0])
        landmarks = estimator.process(rgb)
        t_s.append(t)
        numbers.append(number)
        xy.append(missing if landmarks is None else landmarks.xy_px)
        vis.append(np.zeros(33) if landmarks is None else landmarks.visibility)
    if not t_s:
        return PoseTrack(np.zeros(0), np.zeros(0, int), np.zeros((0, 33, 2)), np.zeros((0, 33)),
                         size, skipped)  # fmt: skip
    return PoseTrack(
        np.asarray(t_s, float), np.asarray(numbers, int), np.stack(xy), np.stack(vis), size, skipped
    )


def _hip_centre(xy: np.ndarray) -> np.ndarray:
    return (xy[..., _HIP["left"], :] + xy[..., _HIP["right"], :]) / 2.0


def _leg_length_px(xy: np.ndarray) -> float:
    lengths = [np.linalg.norm(xy[:, _HIP[s]] - xy[:, _ANKLE[s]], axis=-1) for s in SIDES]
    value = float(np.nanmedian(np.concatenate(lengths)))
    return value if math.isfinite(value) and value > 1.0 else float("nan")


def person_segments(track: PoseTrack) -> list[tuple[int, int]]:
    """[start, stop) index ranges where one person is followed without a break.

    A track breaks where nobody is found for longer than MAX_GAP_S, or where the hip centre
    jumps further than a person can move in a frame (the tracker switched to someone else).
    """
    found = track.found
    if not found.any():
        return []
    leg = _leg_length_px(track.xy_px[found])
    hips = _hip_centre(track.xy_px)
    segments: list[tuple[int, int]] = []
    start = None
    last = None
    for i in np.flatnonzero(found):
        if start is None:
            start, last = i, i
            continue
        gap_s = track.t_s[i] - track.t_s[last]
        jump = np.linalg.norm(hips[i] - hips[last])
        if gap_s > MAX_GAP_S or (math.isfinite(leg) and jump > MAX_JUMP_LEG_LENGTHS * leg):
            segments.append((start, last + 1))
            start = i
        last = i
    segments.append((start, last + 1))
    return segments


def longest_person_track(track: PoseTrack) -> PoseTrack | None:
    """The longest uninterrupted stretch of one person (bystanders and gaps cut away)."""
    segments = person_segments(track)
    if not segments:
        return None
    start, stop = max(segments, key=lambda s: track.t_s[s[1] - 1] - track.t_s[s[0]])
    return track.window(start, stop)


# --- Several people ----------------------------------------------------------------------------


@dataclass
class PeopleTracks:
    """Everyone followed through a clip: one `PoseTrack` per person, in order of appearance.

    Each person's track runs from the first to the last frame they were seen in (NaN and
    zero visibility in between where they were not). `frames` counts the colour frames.
    """

    people: list[PoseTrack]
    frames: int
    image_size: tuple[int, int] = (0, 0)
    frames_without_colour: int = 0
    most_in_one_frame: int = 0


def _leg_length_of(xy: np.ndarray) -> float:
    """One person's leg length in one frame (mean hip-ankle distance of both sides)."""
    lengths = [float(np.linalg.norm(xy[_HIP[s]] - xy[_ANKLE[s]])) for s in SIDES]
    finite = [v for v in lengths if math.isfinite(v)]
    value = float(np.mean(finite)) if finite else math.nan
    return value if value > 1.0 else math.nan


def link_people(
    t_s: np.ndarray,
    frame_numbers: np.ndarray,
    detections: list[list[tuple[np.ndarray, np.ndarray]]],
    image_size: tuple[int, int] = (0, 0),
) -> list[PoseTrack]:
    """Follow each person from frame to frame; `detections[i]` holds frame i's (xy, vis).

    The order of people within a frame means nothing (the finder's models swap whom they
    follow). A detection continues the track whose last hip centre is nearest, if that is
    within MAX_JUMP_LEG_LENGTHS leg lengths per elapsed frame and the track was seen less
    than MAX_GAP_S ago; otherwise it starts a new track. Nearest pairs are taken first.
    People seen in fewer frames than MIN_PERSON_TRACK_S lasts are dropped.
    """
    frame_s = float(np.median(np.diff(t_s))) if len(t_s) > 1 else 1.0
    # Per track: list of (frame index, xy, vis); its last hip centre and leg length.
    members: list[list[tuple[int, np.ndarray, np.ndarray]]] = []
    last_hip: list[np.ndarray] = []
    last_index: list[int] = []
    leg: list[float] = []
    for i, people in enumerate(detections):
        active = [k for k in range(len(members)) if t_s[i] - t_s[last_index[k]] <= MAX_GAP_S]
        pairs = []
        for k in active:
            elapsed = max(1.0, (t_s[i] - t_s[last_index[k]]) / frame_s)
            for j, (xy, _) in enumerate(people):
                scale = leg[k] if math.isfinite(leg[k]) else _leg_length_of(xy)
                distance = float(np.linalg.norm(_hip_centre(xy) - last_hip[k]))
                if math.isfinite(scale) and distance <= MAX_JUMP_LEG_LENGTHS * scale * elapsed:
                    pairs.append((distance / scale, k, j))
        taken_tracks: set[int] = set()
        taken_people: set[int] = set()
        for _, k, j in sorted(pairs):
            if k in taken_tracks or j in taken_people:
                continue
            taken_tracks.add(k)
            taken_people.add(j)
            members[k].append((i, *people[j]))
        for j, (xy, vis) in enumerate(people):
            if j in taken_people:
                continue
            members.append([(i, xy, vis)])
            last_hip.append(_hip_centre(xy))
            last_index.append(i)
            leg.append(_leg_length_of(xy))
            taken_tracks.add(len(members) - 1)
        for k in taken_tracks:
            _, xy, _ = members[k][-1]
            last_hip[k] = _hip_centre(xy)
            last_index[k] = members[k][-1][0]
            recent = [_leg_length_of(m[1]) for m in members[k][-LEG_LENGTH_FRAMES:]]
            finite = [v for v in recent if math.isfinite(v)]
            leg[k] = float(np.median(finite)) if finite else math.nan

    tracks = []
    for member in members:
        first, last = member[0][0], member[-1][0]
        if len(member) * frame_s < MIN_PERSON_TRACK_S:
            continue
        n = last - first + 1
        xy = np.full((n, 33, 2), np.nan)
        vis = np.zeros((n, 33))
        for i, p_xy, p_vis in member:
            xy[i - first] = p_xy
            vis[i - first] = p_vis
        tracks.append(
            PoseTrack(t_s[first : last + 1], frame_numbers[first : last + 1], xy, vis, image_size)
        )
    return tracks


def track_people(
    frames: Iterable[Frame | np.ndarray],
    finder: PeopleFinder,
    fps: float | None = None,
) -> PeopleTracks:
    """Run `finder` over frames (Frame objects, or RGB arrays timed by `fps`); link people."""
    t_s: list[float] = []
    numbers: list[int] = []
    detections: list[list[tuple[np.ndarray, np.ndarray]]] = []
    size = (0, 0)
    skipped = 0
    for rgb, t, number in _colour_frames(frames, fps):
        if rgb is None:
            skipped += 1
            continue
        size = (rgb.shape[1], rgb.shape[0])
        people: list[PoseLandmarks] = finder.process(rgb)
        t_s.append(t)
        numbers.append(number)
        detections.append([(p.xy_px, p.visibility) for p in people])
    people_tracks = link_people(np.asarray(t_s, float), np.asarray(numbers, int), detections, size)
    return PeopleTracks(
        people=people_tracks,
        frames=len(t_s),
        image_size=size,
        frames_without_colour=skipped,
        most_in_one_frame=max((len(d) for d in detections), default=0),
    )


def antiphase_strides(events: GaitEvents) -> int:
    """Strides in which the other foot strikes in ANTIPHASE_BAND of the way through.

    Counts, over both feet, each stride (heel strike to the same foot's next heel strike)
    with exactly one strike of the other foot inside it, at a phase typical of walking.
    Someone standing, shifting weight or jumping on the spot scores zero.
    """
    lo, hi = ANTIPHASE_BAND
    count = 0
    for side, other in (("left", "right"), ("right", "left")):
        strikes = events.heel_strikes[side]
        for a, b in itertools.pairwise(strikes):
            inside = [c for c in events.heel_strikes[other] if a < c < b]
            if len(inside) == 1 and lo <= (inside[0] - a) / (b - a) <= hi:
                count += 1
    return count


def _share_in_region(track: PoseTrack, roi: Roi) -> float:
    """Share of the frames a person is seen in where their ankles' midpoint is in `roi`."""
    width, height = track.image_size
    x0, y0, x1, y1 = roi.pixels(width, height)
    feet = (track.xy_px[:, _ANKLE["left"]] + track.xy_px[:, _ANKLE["right"]]) / 2.0
    seen = track.found
    if not seen.any():
        return 0.0
    x, y = feet[seen, 0], feet[seen, 1]
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    return float(inside.mean())


# --- Cleaning --------------------------------------------------------------------------------


def fix_leg_swaps(xy: np.ndarray, vis: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Undo frames where the model swapped left and right legs (common in side views).

    Chooses, for every frame at once, whether to keep or swap the model's leg labels so
    that the legs' knees, ankles, heels and toes move least from frame to frame, with a
    small cost (LEG_SWAP_COST_LEG leg lengths) on every swapped frame so that the model's
    labels win wherever motion cannot tell (two-state Viterbi). Deciding frame by frame
    instead lets one glitch (a heel landmark jumping for a frame) flip the labels for a
    whole stride.
    """
    xy = xy.copy()
    vis = vis.copy()
    n = len(xy)
    if n < 2:
        return xy, vis, 0
    left, right = _LEG["left"], _LEG["right"]
    distal_left, distal_right = left[1:], right[1:]  # the hips barely move apart
    leg = _leg_length_px(xy)
    swap_cost = LEG_SWAP_COST_LEG * (leg if math.isfinite(leg) else 1.0)

    def cost(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.nansum(np.linalg.norm(a - b, axis=-1)))

    # same[t]: frame t labelled as frame t-1; crossed[t]: one of the two swapped.
    same = np.zeros(n)
    crossed = np.zeros(n)
    for t in range(1, n):
        now, prev = xy[t], xy[t - 1]
        same[t] = cost(now[distal_left], prev[distal_left]) + cost(
            now[distal_right], prev[distal_right]
        )
        crossed[t] = cost(now[distal_left], prev[distal_right]) + cost(
            now[distal_right], prev[distal_left]
        )
    total = np.array([0.0, swap_cost])  # best total so far ending as-labelled / swapped
    came_from = np.zeros((n, 2), dtype=int)
    for t in range(1, n):
        keep = (total[0] + same[t], total[1] + crossed[t])
        swap = (total[0] + crossed[t], total[1] + same[t])
        came_from[t] = (int(np.argmin(keep)), int(np.argmin(swap)))
        total = np.array([min(keep), min(swap) + swap_cost])
    state = int(np.argmin(total))
    swapped = np.zeros(n, dtype=bool)
    for t in range(n - 1, -1, -1):
        swapped[t] = bool(state)
        state = came_from[t, state]
    xy[np.ix_(swapped, left + right)] = xy[np.ix_(swapped, right + left)]
    vis[np.ix_(swapped, left + right)] = vis[np.ix_(swapped, right + left)]
    return xy, vis, int(swapped.sum())


def _fill_gaps(series: np.ndarray) -> np.ndarray:
    """Linear interpolation over NaN along axis 0 (edges held)."""
    out = series.copy()
    flat = out.reshape(len(out), -1)
    idx = np.arange(len(out))
    for k in range(flat.shape[1]):
        col = flat[:, k]
        ok = np.isfinite(col)
        if ok.sum() >= 2 and not ok.all():
            col[~ok] = np.interp(idx[~ok], idx[ok], col[ok])
    return out


def smooth_landmarks(xy: np.ndarray, vis: np.ndarray, fps: float) -> np.ndarray:
    """Bridge low-visibility points, then zero-phase low-pass at LOWPASS_HZ."""
    xy = np.where((vis >= MIN_VISIBILITY)[..., None], xy, np.nan)
    xy = _fill_gaps(xy)
    cutoff = min(LOWPASS_HZ, 0.4 * fps)
    b, a = butter(2, cutoff / (fps / 2.0))
    padlen = 3 * max(len(a), len(b))
    if len(xy) <= padlen:
        return xy
    flat = xy.reshape(len(xy), -1)
    ok = np.all(np.isfinite(flat), axis=0)
    flat[:, ok] = filtfilt(b, a, flat[:, ok], axis=0)
    return flat.reshape(xy.shape)


# --- View ------------------------------------------------------------------------------------


def view_evidence(xy: np.ndarray, vis: np.ndarray) -> dict[str, float | None]:
    """What the view is decided from: shoulder width over torso length (median over the
    walk), which way the shoulders lie (+1: the person's left shoulder on the image's right),
    the nose's median visibility, and how far the hips travel across the picture in leg
    lengths."""
    shoulders = xy[:, _SHOULDER["left"]] - xy[:, _SHOULDER["right"]]
    torso = np.linalg.norm(
        (xy[:, _SHOULDER["left"]] + xy[:, _SHOULDER["right"]]) / 2 - _hip_centre(xy), axis=-1
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = float(np.nanmedian(np.abs(shoulders[:, 0]) / torso)) if len(xy) else math.nan
    side_sign = float(np.sign(np.nanmedian(shoulders[:, 0]))) if len(xy) else math.nan
    hips_x = _hip_centre(xy)[:, 0]
    leg = _leg_length_px(xy) if len(xy) else math.nan
    travel = float(abs(hips_x[-1] - hips_x[0]) / leg) if len(xy) and math.isfinite(leg) else None
    return {
        "shoulder_width_ratio": _round(ratio, 2),
        "left_shoulder_on_image_right": None if not math.isfinite(side_sign) else side_sign > 0,
        "nose_visibility": _round(float(np.median(vis[:, _NOSE])), 2) if len(vis) else None,
        "travel_leg_lengths": _round(travel, 2),
    }


def classify_view(xy: np.ndarray, vis: np.ndarray) -> str:
    """'side', 'front' or 'rear' from shoulder width and which way the face points."""
    evidence = view_evidence(xy, vis)
    ratio = evidence["shoulder_width_ratio"]
    if ratio is None or ratio < SIDE_VIEW_MAX_SHOULDER_RATIO:
        return "side"
    # Facing the camera, the person's left shoulder is on the image's right; the face
    # visibility guards against the model "seeing" a face on the back of a head.
    face_visible = (evidence["nose_visibility"] or 0.0) > 0.5
    return "front" if evidence["left_shoulder_on_image_right"] and face_visible else "rear"


def _side_view_direction(xy: np.ndarray) -> float:
    """+1 when the person faces image right, -1 when image left (side view)."""
    travel = _hip_centre(xy)[-1, 0] - _hip_centre(xy)[0, 0]
    leg = _leg_length_px(xy)
    if math.isfinite(leg) and abs(travel) > leg:  # walking across the picture
        return float(np.sign(travel))
    # On a treadmill: the way the nose points from the ears, or where the face is hidden
    # (low visibility, bridged to NaN), the way the toes point from the heels.
    ears = (xy[:, _EAR["left"], 0] + xy[:, _EAR["right"], 0]) / 2
    for pointing in (
        xy[:, _NOSE, 0] - ears,
        np.concatenate([xy[:, _TOE[s], 0] - xy[:, _HEEL[s], 0] for s in SIDES]),
    ):
        finite = pointing[np.isfinite(pointing)]
        if len(finite) and np.median(finite) != 0:
            return float(np.sign(np.median(finite)))
    return 1.0


# --- Events ----------------------------------------------------------------------------------


def _peaks(signal: np.ndarray, fps: float) -> list[int]:
    if len(signal) < 3 or not np.all(np.isfinite(signal)):
        return []
    spread = float(np.percentile(signal, 95) - np.percentile(signal, 5))
    prominence = max(PEAK_PROMINENCE_SHARE * spread, MIN_PEAK_PROMINENCE_LEG)
    peaks, _ = find_peaks(signal, prominence=prominence, distance=max(1, round(MIN_STRIDE_S * fps)))
    return [int(p) for p in peaks]


def detect_events(xy: np.ndarray, fps: float, view: str) -> GaitEvents:
    """Heel strikes and toe-offs per side from smoothed landmarks (Zeni et al. 2008).

    Heel strike is where the heel is furthest forward of the hip centre, toe-off where
    the toe is furthest behind it, with distances in leg lengths along the walking
    direction. Side view: the direction the person faces in the image. Front view: toward
    the camera, i.e. down the image (a foot reaching forward comes closer and lower).
    Rear view: the heel lifting in early swing also rises in the image and mimics reaching
    forward, so only toe-off (foot nearest, lowest) is found and heel strike is estimated
    one stance duration (WALK_STANCE_SHARE of the stride) before it.
    """
    leg = _leg_length_px(xy)
    if not math.isfinite(leg):
        return GaitEvents({s: [] for s in SIDES}, {s: [] for s in SIDES})
    if view == "side":
        forward = np.array([_side_view_direction(xy), 0.0])
    elif view == "front":
        forward = np.array([0.0, 1.0])
    else:
        forward = np.array([0.0, -1.0])
    hips = _hip_centre(xy)
    events = GaitEvents(heel_strikes_estimated=view == "rear")
    for side in SIDES:
        heel = (xy[:, _HEEL[side]] - hips) @ forward / leg
        toe = (xy[:, _TOE[side]] - hips) @ forward / leg
        toe_offs = _peaks(-toe, fps)
        if view == "rear":
            strides = np.diff(toe_offs)
            heel_strikes = [
                round(to - WALK_STANCE_SHARE * stride)
                for to, stride in zip(toe_offs[1:], strides, strict=True)
                if to - WALK_STANCE_SHARE * stride >= 0
            ]
        else:
            heel_strikes = _peaks(heel, fps)
        events.heel_strikes[side] = heel_strikes
        events.toe_offs[side] = toe_offs
    return events


# --- Measures --------------------------------------------------------------------------------


def _stance_pairs(events: GaitEvents, side: str, fps: float) -> list[tuple[int, int | None]]:
    """(heel strike, matching toe-off or None) for each step of `side`."""
    strikes = events.heel_strikes[side]
    offs = events.toe_offs[side]
    pairs: list[tuple[int, int | None]] = []
    for k, hs in enumerate(strikes):
        limit = strikes[k + 1] if k + 1 < len(strikes) else math.inf
        after = [to for to in offs if hs < to < limit and (to - hs) / fps < 2.0]
        pairs.append((hs, after[0] if after else None))
    return pairs


def _midstance_indices(events: GaitEvents, side: str, fps: float) -> list[int]:
    """Mid-stance frame per step: halfway between heel strike and toe-off."""
    out = []
    for hs, to in _stance_pairs(events, side, fps):
        if to is not None:
            out.append(round((hs + to) / 2))
    return out


def knee_fppa_deg(xy: np.ndarray, side: str) -> np.ndarray:
    """Knee frontal-plane projection angle per frame, degrees; + valgus, - varus.

    The angle between thigh (hip->knee) and shank (knee->ankle) in the image; its sign
    says whether the knee sits medial (toward the other hip) of the hip-ankle line.
    Meaningful only where the camera faces the person's front or back.
    """
    other = "right" if side == "left" else "left"
    hip, knee, ankle = xy[:, _HIP[side]], xy[:, _KNEE[side]], xy[:, _ANKLE[side]]
    thigh, shank = knee - hip, ankle - knee
    cross = thigh[:, 0] * shank[:, 1] - thigh[:, 1] * shank[:, 0]
    dot = np.sum(thigh * shank, axis=-1)
    angle = np.degrees(np.abs(np.arctan2(cross, dot)))
    line = ankle - hip
    t = np.sum((knee - hip) * line, axis=-1) / np.maximum(np.sum(line * line, axis=-1), 1e-9)
    offset = knee - (hip + t[:, None] * line)
    medial = xy[:, _HIP[other]] - hip
    sign = np.sign(np.sum(offset * medial, axis=-1))
    return angle * np.where(sign == 0, 1.0, sign)


def pelvic_obliquity_deg(xy: np.ndarray) -> np.ndarray:
    """Angle of the hip line per frame, degrees; + where the right hip is lower in the image."""
    d = xy[:, _HIP["right"]] - xy[:, _HIP["left"]]
    return np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0])))


def _window_mean(values: np.ndarray, centre: int, half: int) -> float:
    lo, hi = max(0, centre - half), min(len(values), centre + half + 1)
    chunk = values[lo:hi]
    chunk = chunk[np.isfinite(chunk)]
    return float(np.mean(chunk)) if len(chunk) else float("nan")


def _round(value: float | None, digits: int = 1) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def _visibility_confidence(vis: np.ndarray) -> dict[str, float]:
    per_side = {s: float(np.mean(vis[:, _LEG[s]])) if len(vis) else 0.0 for s in SIDES}
    return {
        **{s: round(v, 3) for s, v in per_side.items()},
        "overall": round(min(per_side.values()), 3),
    }


def _events_from_times(events_s: dict[str, dict[str, list[float]]], t_s: np.ndarray) -> GaitEvents:
    def nearest(times: list[float]) -> list[int]:
        inside = [t for t in times if t_s[0] <= t <= t_s[-1]]
        return sorted({int(np.argmin(np.abs(t_s - t))) for t in inside})

    return GaitEvents(
        {s: nearest(events_s.get(s, {}).get("heel_strikes_s", [])) for s in SIDES},
        {s: nearest(events_s.get(s, {}).get("toe_offs_s", [])) for s in SIDES},
    )


def no_person_block(reason: str = "no person found") -> dict[str, Any]:
    """The `pose` block when the pose stage saw nobody (legs-only camera, empty scene)."""
    return {"person_found": False, "reason": reason}


def gait_from_track(
    track: PoseTrack,
    view: str | None = None,
    events_s: dict[str, dict[str, list[float]]] | None = None,
) -> tuple[dict[str, Any], GaitEvents]:
    """The `pose` block for the longest person track in `track`, and the events used.

    view: 'side' | 'front' | 'rear' or None to decide from the landmarks.
    events_s: heel strikes / toe-offs in seconds per side from another stage (the depth
    gait pipeline); when given they set mid-stance instead of the pose events.
    """
    person = longest_person_track(track)
    if person is None or len(person.t_s) < 3:
        return no_person_block(), GaitEvents({s: [] for s in SIDES}, {s: [] for s in SIDES})
    fps = person.fps
    xy, vis, swaps = fix_leg_swaps(person.xy_px, person.visibility)
    xy = smooth_landmarks(xy, vis, fps)
    if view is not None and view not in VIEWS:
        raise InputError(f"view '{view}': expected one of {', '.join(VIEWS)}")
    view_from = "given" if view else "landmarks"
    view = view or classify_view(xy, vis)
    events = _events_from_times(events_s, person.t_s) if events_s else detect_events(xy, fps, view)
    frontal = view in ("front", "rear")

    def frames_of(idx: list[int]) -> list[int]:
        return [int(person.frame_numbers[i]) for i in idx]

    half = max(0, round(MIDSTANCE_WINDOW_S * fps))
    stance_time: dict[str, float | None] = {}
    knee: dict[str, float | None] = {}
    pelvis: dict[str, float | None] = {}
    obliquity = pelvic_obliquity_deg(xy)
    baseline = float(np.nanmedian(obliquity))
    for side in SIDES:
        pairs = [(hs, to) for hs, to in _stance_pairs(events, side, fps) if to is not None]
        durations = [(to - hs) / fps for hs, to in pairs]
        stance_time[side] = (
            float(np.median(durations)) if durations and not events.heel_strikes_estimated else None
        )
        mids = _midstance_indices(events, side, fps)
        if frontal and mids:
            fppa = knee_fppa_deg(xy, side)
            knee[side] = float(np.nanmean([_window_mean(fppa, m, half) for m in mids]))
            # During this foot's stance the other side of the pelvis may drop.
            drop_sign = 1.0 if side == "left" else -1.0
            pelvis[side] = float(
                np.nanmean(
                    [drop_sign * (_window_mean(obliquity, m, half) - baseline) for m in mids]
                )
            )
        else:
            knee[side] = pelvis[side] = None
    symmetry = None
    if stance_time["left"] and stance_time["right"]:
        mean = (stance_time["left"] + stance_time["right"]) / 2
        symmetry = 100.0 * (stance_time["left"] - stance_time["right"]) / mean

    notes: list[str] = []
    unavailable: dict[str, str] = {}
    if not frontal:
        notes.append("side view: knee and pelvis frontal-plane angles need a front or rear view")
        for name in ("knee_fppa_midstance_deg", "pelvic_drop_deg"):
            unavailable[name] = UNAVAILABLE_IN_SIDE_VIEW
    if events.heel_strikes_estimated:
        notes.append("rear view: heel strikes estimated from toe-offs; stance symmetry unavailable")
        for name in ("stance_time_s", "stance_symmetry_index_pct"):
            unavailable[name] = UNAVAILABLE_IN_REAR_VIEW
    if swaps:
        notes.append(f"left/right legs relabelled in {swaps} frames")
    block: dict[str, Any] = {
        "person_found": True,
        "view": view,
        "view_from": view_from,
        "view_evidence": view_evidence(xy, vis),
        "track": {
            "start_frame": int(person.frame_numbers[0]),
            "end_frame": int(person.frame_numbers[-1]),
            "start_s": round(float(person.t_s[0]), 3),
            "end_s": round(float(person.t_s[-1]), 3),
            "frames_with_person": int(person.found.sum()),
        },
        "events_from": "depth" if events_s else "pose",
        "heel_strikes": {s: frames_of(events.heel_strikes[s]) for s in SIDES},
        "toe_offs": {s: frames_of(events.toe_offs[s]) for s in SIDES},
        "heel_strikes_estimated": events.heel_strikes_estimated,
        "stance_time_s": {s: _round(stance_time[s], 3) for s in SIDES},
        "stance_symmetry_index_pct": _round(symmetry),
        "knee_fppa_midstance_deg": {s: _round(knee[s]) for s in SIDES},
        "pelvic_drop_deg": {s: _round(pelvis[s]) for s in SIDES},
        "frontal_plane_reliable": frontal,
        "visibility_confidence": _visibility_confidence(person.visibility),
        "unavailable": unavailable,
        "notes": notes,
    }
    return block, events


def cadence_spm(events: GaitEvents, t_s: np.ndarray) -> float | None:
    """Steps per minute, both feet together, over the span of the detected heel strikes."""
    times = sorted(t_s[i] for s in SIDES for i in events.heel_strikes[s])
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    return 60.0 * (len(times) - 1) / (times[-1] - times[0])


# --- Public entry points -----------------------------------------------------------------


def pose_alignment(
    frames: Iterable[Frame | np.ndarray],
    events: dict[str, dict[str, list[float]]] | None = None,
    roi: Roi | None = None,
    view: str | None = None,
    fps: float | None = None,
    estimator: PoseEstimator | None = None,
) -> dict[str, Any]:
    """Knee and hip alignment from the colour stream, for fusion with the depth gait report.

    frames: `Frame`s with colour (depth-only frames are skipped) or RGB arrays timed by fps.
    events: heel strikes / toe-offs in seconds per side from the depth pipeline, e.g.
    {"left": {"heel_strikes_s": [...], "toe_offs_s": [...]}, "right": {...}}; mid-stance
    is taken from them. Without them the pose's own events are used.
    Returns the report's `pose` block; {"person_found": False, ...} when nobody is visible
    (a legs-only treadmill camera), so depth figures are never held up by the pose stage.
    """
    own = estimator is None
    estimator = estimator or PoseEstimator(roi)
    try:
        track = track_pose(frames, estimator, fps=fps)
    finally:
        if own:
            estimator.close()
    if not track.found.any():
        reason = "no colour frames" if len(track.t_s) == 0 else "no person found"
        return no_person_block(reason)
    block, _ = gait_from_track(track, view=view, events_s=events)
    return block


def _as_roi(roi: Roi | str | tuple[float, float, float, float] | None) -> Roi | None:
    if roi is None or isinstance(roi, Roi):
        return roi
    if isinstance(roi, str):
        return Roi.parse(roi)
    if len(roi) != 4:
        raise InputError(f"region of interest {roi}: expected X,Y,W,H")
    return Roi(*(float(v) for v in roi))


def _gait_report(
    block: dict[str, Any],
    events: GaitEvents,
    person: PoseTrack,
    name: str,
    source: dict[str, Any] | None,
) -> GaitReport:
    counts = {s: len(events.heel_strikes[s]) for s in SIDES}
    if min(counts.values()) < MIN_HEEL_STRIKES_PER_FOOT:
        raise TooFewSteps(
            f"{name}: too few steps to measure gait (heel strikes left {counts['left']}, "
            f"right {counts['right']}; need {MIN_HEEL_STRIKES_PER_FOOT} per foot)"
        )
    trust = VIEW_EVENT_TRUST[block["view"]]
    feet = {
        s: GaitFoot(
            peak_eversion_deg=None,
            steps=counts[s],
            confidence=round(block["visibility_confidence"][s] * trust, 3),
            unavailable=DEPTH_ONLY_REASON,
        )
        for s in SIDES
    }
    return GaitReport(
        feet=feet,
        cadence_spm=_round(cadence_spm(events, person.t_s)),
        source=source or {},
        pose=block,
    )


def gait_report_from_track(
    track: PoseTrack, view: str | None = None, source: dict[str, Any] | None = None
) -> GaitReport:
    """A full `kiosk.report/1` gait report from one person's pose track (webcam-only gait)."""
    name = (source or {}).get("name", "the video")
    if not track.found.any():
        raise NoPersonFound(f"{name}: no person found (check the region of interest)")
    block, events = gait_from_track(track, view=view)
    person = longest_person_track(track)
    assert person is not None
    return _gait_report(block, events, person, name, source)


@dataclass
class Candidate:
    """One person considered for the gait analysis, and what the selection rule saw."""

    id: int
    track: PoseTrack
    block: dict[str, Any]
    events: GaitEvents
    walking_strides: int
    leg_length_px: float
    duration_s: float
    share_in_region: float | None

    @property
    def eligible(self) -> bool:
        in_region = self.share_in_region is None or self.share_in_region >= MIN_SHARE_IN_REGION
        return in_region and bool(self.block.get("person_found"))

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start_frame": int(self.track.frame_numbers[0]),
            "end_frame": int(self.track.frame_numbers[-1]),
            "frames_seen": int(self.track.found.sum()),
            "leg_length_px": _round(self.leg_length_px),
            "walking_strides": self.walking_strides,
            "heel_strikes": sum(len(v) for v in self.events.heel_strikes.values()),
            "view": self.block.get("view"),
            "share_in_region": _round(self.share_in_region, 2),
        }


def select_walker(
    people: PeopleTracks, roi: Roi | None = None, view: str | None = None
) -> tuple[Candidate | None, list[Candidate]]:
    """The person to analyse, and every person seen (in order of appearance).

    Rule: among the people whose ankles are inside `roi` (when given) for at least
    MIN_SHARE_IN_REGION of their track, the one with the most walking strides (the other
    foot striking in antiphase, `antiphase_strides`) is the walker; ties go to the one seen
    longest, then to the larger (nearer) one. Standing, jumping or fidgeting people score
    no strides, so a bystander is never chosen over someone walking.
    """
    candidates = []
    for k, track in enumerate(people.people):
        block, events = gait_from_track(track, view=view)
        candidates.append(
            Candidate(
                id=k,
                track=track,
                block=block,
                events=events,
                walking_strides=antiphase_strides(events),
                leg_length_px=_leg_length_px(track.xy_px[track.found]),
                duration_s=float(track.t_s[-1] - track.t_s[0]),
                share_in_region=None if roi is None else _share_in_region(track, roi),
            )
        )
    eligible = [c for c in candidates if c.eligible]
    if not eligible:
        return None, candidates
    best = max(
        eligible,
        key=lambda c: (
            c.walking_strides,
            c.duration_s,
            c.leg_length_px if math.isfinite(c.leg_length_px) else 0.0,
        ),
    )
    return best, candidates


def gait_report_from_people(
    people: PeopleTracks,
    roi: Roi | None = None,
    view: str | None = None,
    source: dict[str, Any] | None = None,
) -> GaitReport:
    """A full `kiosk.report/1` gait report for the walker among `people` (`select_walker`).

    The pose block says who was analysed (`person_selected`), how many people were seen
    (`people_seen`, `most_people_in_one_frame`) and what the rule saw of each (`people`).
    """
    name = (source or {}).get("name", "the video")
    if not people.people:
        raise NoPersonFound(f"{name}: no person found")
    chosen, candidates = select_walker(people, roi=roi, view=view)
    if chosen is None:
        raise NoPersonFound(
            f"{name}: {len(candidates)} people seen, none with their feet inside the region of "
            "interest for most of the clip (widen --roi, or leave it out)"
        )
    person = longest_person_track(chosen.track)
    assert person is not None
    block = dict(chosen.block)
    block["person_selected"] = chosen.id
    block["people_seen"] = len(candidates)
    block["most_people_in_one_frame"] = people.most_in_one_frame
    block["people"] = [c.summary() for c in candidates]
    return _gait_report(block, chosen.events, person, name, source)


def analyze_gait_video(
    path: str | Path,
    roi: Roi | str | tuple[float, float, float, float] | None = None,
    view: str | None = None,
    max_people: int = MAX_PEOPLE,
) -> GaitReport:
    """Webcam-only gait: the `kiosk.report/1` gait report for a plain video file.

    Everyone in view (up to `max_people`) is followed over the whole frame, and the one who
    walks is analysed (`select_walker`). roi: region of interest as fractions (Roi,
    "X,Y,W,H" or a 4-tuple) where the walk happens: only people whose feet are inside it
    are considered; it never crops what the model sees, so any region around the walker's
    feet gives the same figures. view: 'side' | 'front' | 'rear' to override the automatic
    choice. Raises InputError (unreadable video, bad roi), NoPersonFound, TooFewSteps.
    """
    region = _as_roi(roi)
    if view is not None and view not in VIEWS:
        raise InputError(f"view '{view}': expected one of {', '.join(VIEWS)}")
    with VideoSource(path) as source, PeopleFinder(max_people) as finder:
        people = track_people(source.frames(), finder)
        info = {
            "kind": "video",
            "name": source.info.name,
            "fps": round(source.fps, 3),
            "frames": people.frames,
            "roi": None if region is None else [region.x, region.y, region.w, region.h],
        }
    if people.frames == 0:
        raise InputError(f"{path}: the video has no readable frames")
    return gait_report_from_people(people, roi=region, view=view, source=info)
