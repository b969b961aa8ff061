"""voxelpipe batches for PyTorch: ``VoxelpipeIterable``, a ``torch.utils.data.IterableDataset``."""

from __future__ import annotations

from typing import Any, Dict, Iterator, Optional

import torch
from torch.utils.data import IterableDataset, get_worker_info

from .errors import VoxelpipeError
from .pipeline import Batch, Pipeline

__all__ = ["VoxelpipeIterable"]


class VoxelpipeIterable(IterableDataset):
    """The batches of a voxelpipe pipeline as CPU tensors (``torch.from_numpy``
    on shared memory: no copy), one pass = one pipeline epoch.

    ::

        ds = VoxelpipeIterable(config="mmar/config/config_train.json", mmar="mmar", seed=0, workers=2)
        loader = DataLoader(ds, batch_size=None)   # voxelpipe batches already; or iterate ds itself
        for epoch in range(epochs):
            ds.set_epoch(epoch)                    # optional: passes go on 0, 1, 2, ... by themselves
            for batch in loader:
                batch["image"], batch["label"]     # torch.Tensor [B, 1, X, Y, Z]

    A batch's tensors are valid until the next batch is asked for (copy what
    you keep, ``t.clone()``), unless ``copy=True``. Keep DataLoader's
    ``num_workers=0``: voxelpipe runs its own worker threads, and DataLoader
    workers would each replay the whole epoch. Other keyword arguments go to
    :class:`voxelpipe.Pipeline`.
    """

    def __init__(self, config: Any, *, epoch: int = 0, **pipeline_args: Any):
        super().__init__()
        self.pipeline = Pipeline(config, **pipeline_args)
        self._epoch = int(epoch)

    def set_epoch(self, epoch: int) -> None:
        """The pipeline epoch of the next pass (its shuffle, augmentation and Smart Cache window)."""
        self._epoch = int(epoch)

    @property
    def epoch(self) -> int:
        """The pipeline epoch the next pass will serve."""
        return self._epoch

    def __len__(self) -> int:
        n = self.pipeline.num_batches(self._epoch)
        if n is None:
            raise TypeError("this epoch's batch count is not known ahead (skip_bad_samples is on)")
        return n

    def __iter__(self) -> Iterator[Batch]:
        info = get_worker_info()
        if info is not None and info.num_workers > 1:
            raise VoxelpipeError(
                "ERR_INVALID_ARGUMENT",
                f"VoxelpipeIterable in a DataLoader with num_workers={info.num_workers}: use num_workers=0 "
                "(voxelpipe has its own workers; each DataLoader worker would serve the whole epoch again)",
            )
        e = self._epoch
        self._epoch += 1
        for b in self.pipeline.epoch(e):
            yield _to_torch(b)

    def close(self) -> None:
        self.pipeline.close()

    def __enter__(self) -> "VoxelpipeIterable":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _to_torch(b: Batch) -> Batch:
    fields: Dict[str, Any] = {k: (torch.from_numpy(v) if k != "rows" else v) for k, v in b.items()}
    return Batch(fields, epoch=b.epoch, index=b.index, release=b.release)
