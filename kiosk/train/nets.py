"""The networks: a small U-Net for segmentation, small CNNs for the estimators.

Sized for one CPU thread at the kiosk (see docs/PERFORMANCE.md): the segmentation net packs
`pack` x `pack` pixels into channels first (space-to-depth) and unpacks its logits at the
end, so its output has the input's resolution while the body runs on a coarser grid. An
optional refinement head (`refine` channels) then looks at those logits beside the input
features at full resolution, where the one-pixel class boundaries are decided.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F  # noqa: N812 (the usual spelling)


def conv_bn(i: int, o: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(i, o, 3, stride, 1, bias=False), nn.BatchNorm2d(o),
                         nn.ReLU(inplace=True))


class SegNet(nn.Module):
    def __init__(self, c_in: int, n_classes: int, widths: tuple = (8, 16, 24, 32),
                 pack: int = 2, refine: int = 0) -> None:
        super().__init__()
        w = widths
        self.pack = pack
        self.e0 = conv_bn(c_in * pack * pack, w[0])
        self.e1 = nn.Sequential(conv_bn(w[0], w[1], 2), conv_bn(w[1], w[1]))
        self.e2 = nn.Sequential(conv_bn(w[1], w[2], 2), conv_bn(w[2], w[2]))
        self.e3 = nn.Sequential(conv_bn(w[2], w[3], 2), conv_bn(w[3], w[3]))
        self.d2 = conv_bn(w[3] + w[2], w[2])
        self.d1 = conv_bn(w[2] + w[1], w[1])
        self.d0 = conv_bn(w[1] + w[0], w[0])
        self.head = nn.Conv2d(w[0], n_classes * pack * pack, 1)
        self.refine = None
        if refine:  # a residual on the logits, zero at the start: the body learns first
            self.refine = nn.Sequential(conv_bn(c_in + n_classes, refine),
                                        nn.Conv2d(refine, n_classes, 1))
            nn.init.zeros_(self.refine[-1].weight)
            nn.init.zeros_(self.refine[-1].bias)

    @property
    def out_conv(self) -> nn.Conv2d:
        """The last convolution: its bias holds each class's offset (per packed pixel when
        there is no refinement head)."""
        return self.head if self.refine is None else self.refine[-1]

    @staticmethod
    def _up(a: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
        return F.interpolate(a, size=like.shape[-2:], mode="bilinear", align_corners=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        full = x
        if self.pack > 1:
            x = F.pixel_unshuffle(x, self.pack)
        e0 = self.e0(x)
        e1 = self.e1(e0)
        e2 = self.e2(e1)
        e3 = self.e3(e2)
        d2 = self.d2(torch.cat([self._up(e3, e2), e2], 1))
        d1 = self.d1(torch.cat([self._up(d2, e1), e1], 1))
        d0 = self.d0(torch.cat([self._up(d1, e0), e0], 1))
        y = self.head(d0)
        if self.pack > 1:
            y = F.pixel_shuffle(y, self.pack)
        if self.refine is not None:
            y = y + self.refine(torch.cat([y, full], 1))
        return y


class MapRegressor(nn.Module):
    """A raster (C, H, W) plus scalar features -> n values and n log-variances."""

    def __init__(self, c_in: int, n_scalars: int, n_out: int, widths: tuple = (16, 32, 48),
                 ) -> None:
        super().__init__()
        layers, c = [], c_in
        for w in widths:  # downsample first: the rasters are mostly empty
            layers += [conv_bn(c, w, 2), conv_bn(w, w)]
            c = w
        self.body = nn.Sequential(*layers)
        self.n_scalars = n_scalars
        self.mlp = nn.Sequential(nn.Linear(c * 2 + n_scalars, 64), nn.ReLU(inplace=True),
                                 nn.Linear(64, 2 * n_out))
        self.n_out = n_out

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        f = self.body(x)
        g = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3)), s], 1)
        return self.mlp(g)
