"""voxelpipe.torch.VoxelpipeIterable: tensors on shared memory, len(), set_epoch(), DataLoader."""

from __future__ import annotations

import unittest

try:
    import torch
    from torch.utils.data import DataLoader, IterableDataset
except ImportError:  # torch is optional: these tests say so and skip
    torch = None

from voxelpipe import Pipeline, VoxelpipeError

from .helpers import config, digest, mmar

SKIP = "torch is not installed (Debian: apt-get install python3-torch)"


@unittest.skipIf(torch is None, SKIP)
class TorchIterable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from voxelpipe.torch import VoxelpipeIterable

        cls.ds = VoxelpipeIterable(config(), mmar=mmar(), seed=0, workers=0)

    @classmethod
    def tearDownClass(cls):
        cls.ds.close()

    def test_an_iterable_dataset_of_cpu_tensors_on_the_slots(self):
        ds = self.ds
        self.assertIsInstance(ds, IterableDataset)
        ds.set_epoch(0)
        loader = DataLoader(ds, batch_size=None)
        self.assertEqual(len(loader), len(ds))
        self.assertEqual(len(ds), ds.pipeline.num_batches(0))
        n = 0
        for b in loader:
            n += 1
            for name in ("image", "label"):
                t = b[name]
                self.assertIsInstance(t, torch.Tensor)
                self.assertEqual((t.dtype, tuple(t.shape), t.device.type), (torch.float32, (4, 1, 16, 16, 16), "cpu"))
                self.assertTrue(_on_a_slot(ds.pipeline, t), f"{name} is a copy, not a view on a slot")
            self.assertEqual(len(b["rows"]), 4)
        self.assertEqual(n, len(ds))
        self.assertEqual(ds.epoch, 1, "the next pass serves the next epoch")

    def test_passes_go_on_epoch_by_epoch_and_set_epoch_chooses(self):
        ds = self.ds
        ds.set_epoch(3)
        first = [(b.epoch, digest({k: v.numpy() for k, v in b.items() if k != "rows"})) for b in ds]
        second = [b.epoch for b in ds]
        self.assertEqual({e for e, _ in first}, {3})
        self.assertEqual(set(second), {4})
        ds.set_epoch(3)
        again = [digest({k: v.numpy() for k, v in b.items() if k != "rows"}) for b in ds]
        self.assertEqual(again, [d for _, d in first], "an epoch is the same bytes every time")

    def test_dataloader_workers_are_refused(self):
        loader = DataLoader(self.ds, batch_size=None, num_workers=2)
        with self.assertRaises((VoxelpipeError, RuntimeError)) as c:
            next(iter(loader))
        self.assertIn("use num_workers=0", str(c.exception))
        # The forked workers left the pipeline alone.
        self.ds.set_epoch(0)
        self.assertEqual(len(list(self.ds)), self.ds.pipeline.num_batches(0))


def _on_a_slot(p: Pipeline, t) -> bool:
    import ctypes

    addr = t.data_ptr()
    for m in p._state.slots.maps:
        if m is None:
            continue
        anchor = ctypes.c_char.from_buffer(m)
        start = ctypes.addressof(anchor)
        del anchor
        if start <= addr < start + len(m):
            return True
    return False


if __name__ == "__main__":
    unittest.main()
