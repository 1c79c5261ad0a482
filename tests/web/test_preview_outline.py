"""The live preview's outline: the pipeline hands over the feet's outline as a layer (never
recovered by comparing pictures), and the overlay thread paints it on every frame."""

from __future__ import annotations

import functools
import time

import numpy as np

from kiosk.capture.frame import Frame
from kiosk.pipeline import PREVIEW_COLOURS, preview_outline
from kiosk.sim.scenes import random_profile, render_standing_frames, standing_scene
from kiosk.web.jobs import Analysis, PreviewOverlay


@functools.cache  # rendered once per module; nothing here writes to a frame
def _standing_frame(empty: bool = False) -> Frame:
    scene = standing_scene(random_profile(10_003, "standing"))
    if empty:  # the mat and stop alone
        scene.bodies = [b for b in scene.bodies if b[2] == 0]
        scene.cones = []
    _, fr = render_standing_frames(scene, 1, np.random.default_rng(0))
    depth, color = fr[0]
    return Frame(0, 0.0, scene.camera.intrinsics, depth, color)


def test_the_outline_is_a_layer_in_the_two_feet_colours():
    frame = _standing_frame()
    outline, guidance = preview_outline(frame)
    assert guidance is None
    assert outline.mask.shape == frame.color.shape[:2]
    assert 500 < outline.mask.sum() < 0.2 * outline.mask.size
    colours = {tuple(int(v) for v in c) for c in np.unique(outline.pixels, axis=0)}
    assert colours == set(PREVIEW_COLOURS.values())
    drawn = outline.draw(frame.color)
    changed = np.any(drawn != frame.color, axis=2)
    assert not np.any(changed & ~outline.mask)  # nothing painted outside the outline


def test_no_feet_gives_no_outline_and_the_reason():
    outline, guidance = preview_outline(_standing_frame(empty=True))
    assert outline is None and guidance == "no_feet"


def test_the_overlay_thread_paints_the_newest_outline():
    frame = _standing_frame()
    overlay = PreviewOverlay(Analysis.__new__(Analysis), min_interval_s=0.0)
    assert overlay.draw(frame) is frame.color  # nothing drawn yet
    overlay.offer(frame)
    deadline = time.monotonic() + 20
    while overlay.updates == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert overlay.updates >= 1
    outline, _ = preview_outline(frame)
    assert np.array_equal(overlay.draw(frame), outline.draw(frame.color))
