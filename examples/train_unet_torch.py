"""Trains a small 3D U-Net with PyTorch (CPU) on voxelpipe batches: the demo's
synthetic spleen MMAR, Clara's spleen chain (Smart Cache, worker threads)
served by ``voxelpipe serve`` through ``VoxelpipeIterable`` and a DataLoader.

    PYTHONPATH=python python3 examples/train_unet_torch.py             # makes the demo MMAR in a temp folder
    PYTHONPATH=python python3 examples/train_unet_torch.py --mmar DIR  # an MMAR made by `npx voxelpipe demo --out DIR`
    PYTHONPATH=python python3 examples/train_unet_torch.py --steps 100 --crop 24 --filters 16

Needs numpy and torch (Debian: python3-numpy python3-torch). With
``--json`` the last line is a JSON summary (losses, Dice, the fixed batch
before and after training).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from typing import Dict, Iterator, List

import torch
from torch import nn
from torch.utils.data import DataLoader

from voxelpipe import demo_mmar
from voxelpipe.torch import VoxelpipeIterable


def block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv3d(cin, cout, 3, padding=1), nn.ReLU(inplace=True), nn.Conv3d(cout, cout, 3, padding=1), nn.ReLU(inplace=True))


class UNet3d(nn.Module):
    """Two levels down, a bottleneck, two levels up with skip connections; one logit per voxel."""

    def __init__(self, f: int = 4):
        super().__init__()
        self.enc1, self.enc2 = block(1, f), block(f, 2 * f)
        self.bottom = block(2 * f, 4 * f)
        self.up2, self.dec2 = nn.ConvTranspose3d(4 * f, 2 * f, 2, stride=2), block(4 * f, 2 * f)
        self.up1, self.dec1 = nn.ConvTranspose3d(2 * f, f, 2, stride=2), block(2 * f, f)
        self.out = nn.Conv3d(f, 1, 1)
        self.pool = nn.MaxPool3d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bottom(self.pool(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.out(d1)


def soft_dice_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """1 - (2|y.p| + 1) / (|y| + |p| + 1) over the batch (voxel-wise cross-entropy learns 'all background' on such crops)."""
    p = torch.sigmoid(logits)
    return 1 - (2 * (p * y).sum() + 1) / (y.sum() + p.sum() + 1)


def hard_dice(logits: torch.Tensor, y: torch.Tensor) -> float:
    p = (logits > 0).float()
    return float((2 * (p * y).sum() + 1e-6) / (y.sum() + p.sum() + 1e-6))


def endless(ds: VoxelpipeIterable) -> Iterator[Dict[str, torch.Tensor]]:
    """Pass after pass over the DataLoader; each pass is the pipeline's next epoch."""
    loader = DataLoader(ds, batch_size=None)  # voxelpipe batches already; num_workers=0: voxelpipe has its own
    while True:
        yield from loader


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mmar", help="MMAR made by `voxelpipe demo` (default: make one in a temp folder)")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--crop", type=int, default=16, help="crop side (a multiple of 4)")
    ap.add_argument("--filters", type=int, default=8, help="filters of the first level (doubled at each level below)")
    ap.add_argument("--batch", type=int, default=2, help="crops per batch (one volume per batch)")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", action="store_true", help="end with a JSON summary line")
    a = ap.parse_args(argv)
    torch.manual_seed(0)
    # The demo's config names a Clara model, loss and optimizer, which voxelpipe ignores (and says so).
    warnings.filterwarnings("ignore", message="ignoring Clara keys")

    root = a.mmar or demo_mmar()
    c = a.crop
    ds = VoxelpipeIterable(
        config=f"{root}/config/config_train.json",
        mmar=root,
        seed=0,
        workers=a.workers,
        # The demo's Clara config, with crops sized for a CPU: one volume per
        # batch, `batch` crops from it, mostly on the spleen (pos:neg 3:1).
        set={
            "train.pre_transforms.3.args.size": [c, c, c],
            "train.image_pipeline.args.output_crop_size": [c, c, c],
            "train.pre_transforms.3.args.batch_size": a.batch,
            "train.pre_transforms.3.args.pos": 3,
            "train.image_pipeline.args.output_batch_size": 1,
        },
    )
    print(f"data: {root}")
    print(f"pipeline: {ds.pipeline.describe()}")
    model = UNet3d(a.filters)
    params = sum(p.numel() for p in model.parameters())
    print(f"model: 3D U-Net, {params} parameters, input [B, 1, {c}, {c}, {c}]")
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)

    losses: List[float] = []
    dice: List[float] = []
    with ds:
        batches = endless(ds)
        first = next(batches)
        # Kept across steps: a copy (the batch's tensors are valid until the next batch).
        fixed = {k: first[k].clone() for k in ("image", "label")}

        def evaluate() -> Dict[str, float]:
            with torch.no_grad():
                logits = model(fixed["image"])
                return {"loss": float(soft_dice_loss(logits, fixed["label"])), "dice": hard_dice(logits, fixed["label"])}

        before = evaluate()
        print(f"fixed batch before training: loss {before['loss']:.4f}, dice {before['dice']:.3f}")
        t0 = time.perf_counter()
        batch = first
        for step in range(1, a.steps + 1):
            logits = model(batch["image"])
            loss = soft_dice_loss(logits, batch["label"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(float(loss))
            dice.append(hard_dice(logits.detach(), batch["label"]))
            print(f"step {step:3d}/{a.steps}  loss {losses[-1]:.4f}  dice {dice[-1]:.3f}  ({time.perf_counter() - t0:.1f} s)")
            if step < a.steps:
                batch = next(batches)
        after = evaluate()
        print(f"fixed batch after training:  loss {after['loss']:.4f}, dice {after['dice']:.3f}")
    k = max(1, a.steps // 5)
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    secs = time.perf_counter() - t0
    print(f"loss {mean(losses[:k]):.4f} -> {mean(losses[-k:]):.4f} (mean of the first and last {k} steps), dice {mean(dice[-k:]):.3f}, {secs:.1f} s")
    if a.json:
        print(json.dumps({"losses": losses, "dice": dice, "before": before, "after": after, "params": params, "seconds": round(secs, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
