"""The segmentation loss: class edges found where the labels change, weighted only there."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

# Looked up, not imported: torch costs every test worker seconds at collection, and only
# the tests that use it import it.
if importlib.util.find_spec("torch") is None:
    pytest.skip("PyTorch is not installed: pip install -e '.[test]' (pins torch==2.13.0)",
                allow_module_level=True)


def test_boundary_mask_marks_the_pixels_either_side_of_a_class_change():
    import torch

    from kiosk.train.seg import boundary_mask

    target = torch.zeros(1, 6, 8, dtype=torch.int64)
    target[0, :, 4:] = 3
    mask = boundary_mask(target, 5)[0]
    assert mask[:, 3:5].all()
    assert not mask[:, :3].any() and not mask[:, 5:].any()


def test_boundary_weight_zero_is_the_plain_weighted_loss():
    import torch

    from kiosk.train.seg import _loss

    torch.manual_seed(0)
    logits = torch.randn(2, 5, 12, 16)
    target = torch.randint(0, 5, (2, 12, 16))
    plain = _loss(logits, target, 5)
    assert torch.allclose(_loss(logits, target, 5, 0.0), plain)
    uniform = torch.zeros_like(target)  # no edges: the boundary term changes nothing
    assert torch.allclose(_loss(logits, uniform, 5, 2.0), _loss(logits, uniform, 5))
    halves = uniform.clone()
    halves[:, :, 8:] = 1  # edges in columns 7 and 8 only: those count three times
    assert not torch.allclose(_loss(logits, halves, 5, 2.0), _loss(logits, halves, 5))


@pytest.mark.parametrize("pack, refine", [(2, 0), (4, 8)])
@pytest.mark.slow
def test_class_prior_correction_takes_log_weight_off_each_class(pack, refine):
    import torch

    from kiosk.train.nets import SegNet
    from kiosk.train.seg import CLASS_WEIGHTS, correct_class_prior

    torch.manual_seed(0)
    net = SegNet(8, 5, pack=pack, refine=refine).eval()
    if refine:  # as after training: the refinement head's residual is not zero
        torch.nn.init.normal_(net.refine[-1].weight, std=0.3)
    x = torch.randn(1, 8, 32, 48)
    with torch.no_grad():
        before = net(x)
        correct_class_prior(net)
        after = net(x)
    shift = (after - before).mean(dim=(0, 2, 3))
    assert torch.allclose(shift, -torch.log(torch.tensor(CLASS_WEIGHTS)), atol=1e-5)
    assert torch.allclose(after - before, shift[None, :, None, None].expand_as(after),
                          atol=1e-5)


@pytest.mark.slow
def test_treadmill_training_reads_lateral_positions_from_the_belts_centre_line(tmp_path):
    """The kiosk presents the treadmill net lateral positions from the belt's centre line
    (GaitResult.belt_frame); training must too, or a camera off the centre moves the lanes
    the net learnt (the simulator walks the shopper on the centre line)."""
    from kiosk.train.data import DatasetSpec, ensure_samples
    from kiosk.train.seg import CONFIGS, SegItems
    from kiosk.vision.segmentation import CHANNELS, LATERAL_CHANNEL, LATERAL_SCALE

    valid = CHANNELS.index("valid")
    items = SegItems(CONFIGS[("gait", True)],
                     ensure_samples(DatasetSpec("gait", "train", 6, frames=1), tmp_path))
    offsets = []
    for i in range(len(items)):
        x, y = items.draw(i, None)
        lateral = [x[LATERAL_CHANNEL][(y == k) & (x[valid] > 0)] / LATERAL_SCALE
                   for k in (1, 2)]
        if min(map(len, lateral)) < 50:  # a shoe out of view in this frame
            continue
        left, right = (float(np.mean(v)) for v in lateral)
        assert left < 0 < right
        assert abs(left + right) / 2 < 0.03, (left, right)  # the lanes straddle x = 0
        offsets.append(abs(items.items[i][3].center[0]))
    assert len(offsets) >= 4
    assert max(offsets) > 0.05  # a camera far enough off the centre line to tell
