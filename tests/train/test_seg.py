"""The segmentation loss: class edges found where the labels change, weighted only there."""

from __future__ import annotations

import pytest

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed: pip install -e '.[test]' (pins torch==2.13.0)")


def test_boundary_mask_marks_the_pixels_either_side_of_a_class_change():
    from kiosk.train.seg import boundary_mask

    target = torch.zeros(1, 6, 8, dtype=torch.int64)
    target[0, :, 4:] = 3
    mask = boundary_mask(target, 5)[0]
    assert mask[:, 3:5].all()
    assert not mask[:, :3].any() and not mask[:, 5:].any()


def test_boundary_weight_zero_is_the_plain_weighted_loss():
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
def test_class_prior_correction_takes_log_weight_off_each_class(pack, refine):
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
