"""How fast a Clara config's batches reach Python, and what the Python side costs per batch.

    python3 -m voxelpipe.bench --config mmar/config/config_train.json --mmar mmar --workers 2 --epochs 3

Prints one JSON line. The consumer takes each batch as numpy arrays and
reads one element of each field (as a training step would start to), so the
figures are the delivery, not a model. With a Smart Cache config, the first
epoch fills the cache and is reported apart (``fill_epoch_ms``).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from typing import List

from .pipeline import Pipeline


def measure(config: str, mmar: str = None, workers: int = None, epochs: int = 3, seed: int = 0, prefetch: int = None, slots: int = 3, fill_epoch: bool = False) -> dict:
    t0 = time.perf_counter()
    first_batch_ms = None
    epoch_ms: List[float] = []
    per_batch = {"client_ms": 0.0, "write_ms": 0.0, "slot_wait_ms": 0.0, "batches": 0}
    crops = 0
    bytes_out = 0
    sink = 0.0
    with Pipeline(config, mmar=mmar, workers=workers, seed=seed, prefetch=prefetch, slots=slots) as p:
        open_ms = (time.perf_counter() - t0) * 1000
        for e in range(epochs + (1 if fill_epoch else 0)):
            te = time.perf_counter()
            crops = 0
            bytes_out = 0
            ep = p.epoch(e)
            for b in ep:
                if first_batch_ms is None:
                    first_batch_ms = (time.perf_counter() - t0) * 1000
                for k, v in b.items():
                    if k != "rows":
                        sink += float(v.flat[0])
                        bytes_out += v.nbytes
                crops += b["image"].shape[0]
            epoch_ms.append((time.perf_counter() - te) * 1000)
            if not (fill_epoch and e == 0):
                for k in ("client_ms", "write_ms", "slot_wait_ms", "batches"):
                    per_batch[k] += ep.stats[k]
        metrics = p.metrics()
    measured = epoch_ms[1:] if fill_epoch else epoch_ms
    med = statistics.median(measured)
    n = max(1, per_batch["batches"])
    return {
        "epoch_ms": [round(x, 1) for x in measured],
        "median_epoch_ms": round(med, 1),
        "fill_epoch_ms": round(epoch_ms[0], 1) if fill_epoch else None,
        "crops_per_epoch": crops,
        "crops_per_s": round(crops * 1000 / med, 1),
        "first_batch_ms": round(first_batch_ms or 0, 1),
        "open_ms": round(open_ms, 1),
        "output_bytes_per_epoch": bytes_out,
        # Per batch: Python's own time in next() (message, mapping, release), and the server's write into the slot.
        "client_ms_per_batch": round(per_batch["client_ms"] / n, 3),
        "write_ms_per_batch": round(per_batch["write_ms"] / n, 3),
        "slot_wait_ms_per_batch": round(per_batch["slot_wait_ms"] / n, 3),
        "python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # The server has exited (closed and waited for): the largest waited-for child is it.
        "server_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "metrics": metrics,
        "sink": sink,
    }


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m voxelpipe.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", required=True)
    ap.add_argument("--mmar")
    ap.add_argument("--workers", type=int)
    ap.add_argument("--prefetch", type=int)
    ap.add_argument("--slots", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fill-epoch", action="store_true", help="run one more epoch first and report it apart (Smart Cache fill)")
    a = ap.parse_args(argv)
    r = measure(a.config, a.mmar, a.workers, a.epochs, a.seed, a.prefetch, a.slots, a.fill_epoch)
    print(json.dumps(r))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
