"""Mesh-family training samples: the analytic samples' format and class ids, their own
cache folder, seeds apart from the independent split, read by every trainer's loader."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from kiosk.capture.frame import Intrinsics
from kiosk.errors import InputError
from kiosk.evaluate_mesh import GAIT_SEED_OFFSET, INDEPENDENT_SEED0
from kiosk.train.data import (
    TRAIN_SEED0,
    VAL_SEED0,
    DatasetSpec,
    camera_from_dict,
    ensure_samples_for,
    load_sample,
    sample_path,
)
from kiosk.vision.segmentation import strided_rays

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
pytestmark = pytest.mark.skipif(not (REALDATA / "foot_scans").is_dir(),
                                reason="../shared/realdata is not beside this checkout")
if importlib.util.find_spec("trimesh") is None:  # looked up, not imported
    pytest.skip("the mesh family needs the sim extra", allow_module_level=True)
# Looked up, not imported: torch costs every test worker seconds at collection, and only
# the tests that use it import it.
if importlib.util.find_spec("torch") is None:
    pytest.skip("PyTorch is not installed: pip install -e '.[test]' (pins torch==2.13.0)",
                allow_module_level=True)

STANDING_SEED = 500_001  # a D415 at 848x480: its frames are resized for the segmentation
GAIT_SEED = 550_000


def _world_points(smp: dict, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """World (station) points of a sample's depth, and its class mask."""
    cam = camera_from_dict(smp["meta"]["camera"])
    depth = (smp["depth_mm"] if k is None else smp["depth_mm"][k]).astype(np.float64) / 1000
    cls = smp["cls"] if k is None else smp["cls"][k]
    pc = strided_rays(cam.intrinsics, 1) * depth[..., None]
    return pc @ cam.R_wc + cam.center, cls, depth > 0


@pytest.fixture(scope="module")
def standing(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    (path,) = ensure_samples_for("standing", [STANDING_SEED], root, family="mesh")
    return path


@pytest.fixture(scope="module")
def gait(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    (path,) = ensure_samples_for("gait", [GAIT_SEED], root, frames=2, family="mesh")
    return path


def test_mesh_seeds_never_meet_the_independent_split_nor_the_analytic_seeds():
    taken = set()
    for split in ("train", "val"):
        for station in ("standing", "gait"):
            mesh = DatasetSpec(station, split, 20_000, mesh_share=1.0).mesh_seeds
            analytic = DatasetSpec(station, split, 20_000).seeds
            assert mesh.stop <= INDEPENDENT_SEED0
            for s in (mesh, analytic):
                assert not taken & set(s)
                taken |= set(s)
    independent = range(INDEPENDENT_SEED0, INDEPENDENT_SEED0 + 2 * GAIT_SEED_OFFSET)
    assert not taken & set(independent)


def test_a_mesh_share_keeps_the_first_analytic_seeds_and_caches_apart(tmp_path):
    spec = DatasetSpec("standing", "train", 10, mesh_share=0.5)
    assert spec.seeds == range(TRAIN_SEED0, TRAIN_SEED0 + 5)
    assert len(spec.mesh_seeds) == 5
    assert DatasetSpec("gait", "val", 4).seeds == range(VAL_SEED0 + 50_000, VAL_SEED0 + 50_004)
    analytic = sample_path(tmp_path, "standing", 7)
    mesh = sample_path(tmp_path, "standing", 7, family="mesh")
    assert analytic == tmp_path / "standing-sim1" / "7.npz"  # analytic caches stay valid
    assert mesh.parent != analytic.parent
    with pytest.raises(InputError, match="mesh share"):
        DatasetSpec("standing", "train", 10, mesh_share=1.5)
    with pytest.raises(InputError, match="scene family"):
        ensure_samples_for("standing", [1], tmp_path, family="scanned")


def test_resized_frames_keep_each_pixels_own_camera_ray():
    from kiosk.sim.scenes import FX_PX_RANGE
    from kiosk.train.seg import rays_at, resample_index

    intr = Intrinsics(1280, 720, 641.0, 641.0, 640.5, 358.0)  # a D435 at 1280x720
    (rows, r_in), (cols, c_in) = resample_index(intr, 2)
    assert len(rows) % 32 == 0 and len(cols) % 32 == 0  # whole net cells at stride 2
    assert r_in[0] and c_in[0] and not r_in[-1] and not c_in[-1]  # padding: beyond the frame
    k = c_in.sum() / intr.width
    assert FX_PX_RANGE[0] * 0.95 <= intr.fx * k <= FX_PX_RANGE[1] * 1.05
    assert np.array_equal(rays_at(intr, rows, cols), strided_rays(intr, 1)[np.ix_(rows, cols)])
    assert resample_index(Intrinsics(848, 480, 430.0, 430.0, 424.0, 240.0), 1) is None


@pytest.mark.slow
def test_mesh_standing_sample_labels_feet_and_legs_where_the_body_is(standing):
    smp = load_sample(standing)
    meta = smp["meta"]
    assert meta["family"] == "mesh" and meta["seed"] == STANDING_SEED
    assert smp["depth_mm"].shape == smp["cls"].shape == smp["color"].shape[:2]
    P, cls, valid = _world_points(smp)
    assert set(np.unique(cls)) == {0, 1, 2, 3, 4}
    x, z = P[..., 0], P[..., 2]
    # the analytic convention: the shopper faces the camera, the left foot at +x
    for left, right in ((1, 2), (3, 4)):
        assert np.median(x[(cls == left) & valid]) > 0.02 > -0.02 > np.median(
            x[(cls == right) & valid])
    feet = (cls == 1) | (cls == 2)
    malleolus_m = meta["profile"]["lateral_malleolus_height_mm"] / 1000
    assert (feet & valid).mean() > 0.002
    # feet stand on the mat and end at the ankle (ankle_as_shank); the legs rise above them
    assert 0.005 < np.median(z[feet & valid]) < malleolus_m
    assert np.percentile(z[feet & valid], 99) < malleolus_m + 0.01
    legs = (cls == 3) | (cls == 4)
    assert np.median(z[legs & valid]) > malleolus_m
    # labelled pixels are where the body is: their depth is there, and off the mat
    assert valid[feet].mean() > 0.9
    assert (z[feet & valid] > 0.002).mean() > 0.95
    # and the bare mat around the feet is background
    mat = valid & (np.abs(x) < 0.3) & (P[..., 1] < -0.02) & (P[..., 1] > -0.5) & \
        (np.abs(z) < 0.002)
    assert mat.sum() > 1000
    assert (cls[mat] == 0).mean() > 0.98


@pytest.mark.slow
def test_mesh_standing_sample_round_trips_through_the_trainers_loaders(standing):
    import torch

    from kiosk.train.nets import SegNet
    from kiosk.train.regress import foot_items
    from kiosk.train.seg import CONFIGS, SegItems, resample_index
    from kiosk.vision.estimators import FOOT_NORM, FOOT_OUTPUTS

    smp = load_sample(standing)
    cam = camera_from_dict(smp["meta"]["camera"])
    assert (cam.intrinsics.height, cam.intrinsics.width) == smp["depth_mm"].shape
    items = SegItems(CONFIGS[("standing", True)], [standing])
    (rows, _), (cols, _) = resample_index(cam.intrinsics, 1)  # a D415's focal length: resized
    assert items.items[0][0].shape == (len(rows), len(cols))
    x, y = items.draw(0, None)
    assert x.shape[1:] == y.shape == (len(rows), len(cols))
    assert set(np.unique(y)) == {0, 1, 2, 3, 4}
    net = SegNet(x.shape[0], 5, (8, 16, 24, 32), 2)  # validation reads whole resized frames
    assert net(torch.from_numpy(x)[None]).shape[2:] == y.shape
    x, y = items.draw(0, np.random.default_rng(0))  # augmented: a training crop
    assert x.shape[1:] == y.shape == CONFIGS[("standing", True)].crop
    truth = smp["meta"]["truth"]["feet"]
    pairs = foot_items(standing, None)
    assert smp["meta"]["heel_gap_m"] == 0.0 and len(pairs) == 2  # both feet measured
    for (raster, target), side in zip(pairs, ("left", "right"), strict=True):
        assert np.isfinite(raster).all() and raster.any()
        back = [FOOT_NORM[k][0] + FOOT_NORM[k][1] * t for k, t in zip(FOOT_OUTPUTS, target,
                                                                      strict=True)]
        assert back == pytest.approx([truth[side][k] for k in FOOT_OUTPUTS], abs=1e-3)


@pytest.mark.slow
def test_mesh_gait_sample_labels_shoes_and_shanks_and_feeds_the_loaders(gait):
    from kiosk.train.regress import rear_items
    from kiosk.train.seg import CONFIGS, SegItems

    smp = load_sample(gait)
    meta = smp["meta"]
    assert smp["depth_mm"].shape[0] == len(meta["frames"]) == len(meta["frame_truth"]) == 2
    for k in range(2):
        P, cls, valid = _world_points(smp, k)
        assert {1, 2, 3, 4} <= set(np.unique(cls))
        # seen from behind: the shopper's left shoe and shank at -x, as in the analytic family
        for left, right in ((1, 2), (3, 4)):
            assert np.median(P[..., 0][(cls == left) & valid]) < np.median(
                P[..., 0][(cls == right) & valid])
        shoes = ((cls == 1) | (cls == 2)) & valid
        legs = ((cls == 3) | (cls == 4)) & valid
        assert np.percentile(P[..., 2][shoes], 95) < 0.2
        assert np.median(P[..., 2][legs]) > np.median(P[..., 2][shoes])
        assert all(np.isfinite(meta["frame_truth"][k][s]["rearfoot_deg"])
                   for s in ("left", "right"))
    items = SegItems(CONFIGS[("gait", True)], [gait])
    assert len(items) == 2
    x, y = items.draw(1, None)
    assert x.shape[1:] == y.shape
    pairs = rear_items(gait, None)
    assert pairs and all(np.isfinite(r).all() and np.isfinite(t).all() for r, t in pairs)


@pytest.mark.slow
def test_tiny_training_with_a_mesh_share_writes_models_onnx_runtime_loads(tmp_path,
                                                                          monkeypatch):
    import onnxruntime as ort

    from kiosk.cli import main

    monkeypatch.chdir(tmp_path)  # the data cache (var/datasets) goes here
    assert main(["train", "all", "--tiny", "--threads", "1", "--mesh-share", "0.5",
                 "--out", "models"]) == 0
    assert sorted(p.name for p in (tmp_path / "var/datasets").iterdir()) == [
        "gait2-mesh-2", "gait2-sim1", "standing-mesh-2", "standing-sim1"]
    for name in ("standing_seg", "gait_seg", "foot_arch", "rearfoot"):
        card = json.loads((tmp_path / "models" / f"{name}.json").read_text())
        assert card["training_data"]["mesh_share"] == 0.5
        assert card["training_data"]["mesh_train_seeds"] != "none"
        assert "--mesh-share 0.5" in card["command"]
        sess = ort.InferenceSession(str(tmp_path / "models" / f"{name}.onnx"),
                                    providers=["CPUExecutionProvider"])
        shape = [d if isinstance(d, int) else 1 for d in sess.get_inputs()[0].shape]
        if name.endswith("_seg"):
            shape[2:] = [96, 160]
        outs = sess.run(None, {sess.get_inputs()[0].name: np.zeros(shape, np.float32)})
        assert all(np.isfinite(o).all() for o in outs)
