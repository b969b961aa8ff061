"""numpy batches: shapes, zero copy, slot reuse only after release, copy=True, len(), epochs."""

from __future__ import annotations

import ctypes
import mmap
import os
import tempfile
import time
import unittest

import numpy as np

from voxelpipe import Batch, Pipeline, VoxelpipeError

from .helpers import config, copy_mmar, digest, mmar, variant


def mapping_of(p: Pipeline, a: np.ndarray):
    """(slot, mmap) whose memory holds array ``a``, or None."""
    addr = a.__array_interface__["data"][0]
    for k, m in enumerate(p._state.slots.maps):
        if m is None:
            continue
        anchor = ctypes.c_char.from_buffer(m)
        start = ctypes.addressof(anchor)
        del anchor
        if start <= addr and addr + a.nbytes <= start + len(m):
            return k, m
    return None


class NumpyBatches(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.p = Pipeline(config(), mmar=mmar(), seed=0, workers=0, slots=2)

    @classmethod
    def tearDownClass(cls):
        cls.p.close()

    def test_a_batch_is_a_dict_of_arrays_and_rows(self):
        ep = self.p.epoch(0)
        self.assertEqual(len(ep), self.p.num_batches(0))
        batches = list(ep)
        self.assertEqual(len(batches), len(ep))
        b = batches[0]
        self.assertIsInstance(b, Batch)
        self.assertEqual(sorted(b), ["image", "label", "rows"])
        self.assertEqual((b.epoch, b.index), (0, 0))
        self.assertEqual([x.index for x in batches], list(range(len(batches))))
        for name in ("image", "label"):
            self.assertEqual(b[name].dtype, np.float32)
            self.assertEqual(b[name].shape, (4, 1, 16, 16, 16))  # 2 volumes x 2 crops, MergeBatchDims
        self.assertEqual(len(b.rows), 4)
        self.assertEqual(sorted(b.rows[0]), ["crop", "item", "position", "source"])
        self.assertTrue(b.rows[0]["source"].endswith(".nii.gz"))
        self.assertEqual(set(np.unique(batches[1]["label"])) <= {0.0, 1.0}, True)
        self.assertEqual(ep.stats["batches"], len(batches))
        m = self.p.metrics()
        self.assertGreaterEqual(m["batches"], len(batches))
        self.assertGreaterEqual(m["cache"]["items"], 4)  # the window of 4 (and the next epoch's replacements once ready)
        self.assertIn("ScaleIntensityRange", [t["name"] for t in m["transformMs"]])
        for k in ("write_ms", "slot_wait_ms", "pipeline_ms", "client_ms"):
            self.assertGreaterEqual(ep.stats[k], 0)

    def test_arrays_are_views_on_the_slot_mapping_not_copies(self):
        ep = self.p.epoch(0)
        b = next(ep)
        for name in ("image", "label"):
            hit = mapping_of(self.p, b[name])
            self.assertIsNotNone(hit, f"{name} is not inside a slot mapping")
            self.assertFalse(b[name].flags.owndata)
            self.assertTrue(b[name].flags.writeable)
        self.assertTrue(os.path.isfile(os.path.join(self.p.shm_dir, "slot-0")))
        self.assertTrue(self.p.shm_dir.startswith(os.environ.get("VOXELPIPE_SHM_DIR", "/dev/shm")))
        list(ep)

    def test_a_slot_is_written_again_only_after_release(self):
        with Pipeline(config(), mmar=mmar(), seed=0, workers=0, slots=1) as p:
            ep = p.epoch(0)
            b0 = next(ep)
            before = digest(b0)
            # Wait until the server has batch 1 (2 samples per batch) and waits for the only slot, which we hold.
            deadline = time.monotonic() + 60
            while p.metrics()["samples"] < 4 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
            self.assertEqual(digest(b0), before, "a held slot was written")
            b1 = next(ep)  # asking for it releases batch 0
            self.assertEqual(mapping_of(p, b1["image"])[0], 0)
            # Same memory: batch 0's arrays now show batch 1 (a view, never a copy).
            self.assertEqual(digest(b0), digest(b1))
            self.assertNotEqual(digest(b1), before)
            list(ep)
            self.assertGreater(ep.stats["slot_wait_ms"], 250)

    def test_release_hands_the_slot_back_early(self):
        with Pipeline(config(), mmar=mmar(), seed=0, workers=0, slots=1) as p:
            ep = p.epoch(0)
            b0 = next(ep)
            b0.release()
            b0.release()  # idempotent
            seq = _header_seq(p)
            deadline = time.monotonic() + 10
            while _header_seq(p) == seq and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertGreater(_header_seq(p), seq, "the server did not reuse the released slot")
            self.assertEqual(len([b0, *ep]), p.num_batches(0))

    def test_copy_true_gives_owned_arrays_with_the_same_bytes(self):
        reference = [digest(b) for b in self.p.epoch(1)]
        with Pipeline(config(), mmar=mmar(), seed=0, workers=0, slots=1, copy=True) as p:
            kept = list(p.epoch(1))
            for b in kept:
                self.assertTrue(b["image"].flags.owndata)
                self.assertIsNone(mapping_of(p, b["image"]))
            self.assertEqual([digest(b) for b in kept], reference)

    def test_batches_runs_epochs_in_turn_and_a_new_epoch_ends_the_last(self):
        n0, n1 = self.p.num_batches(0), self.p.num_batches(1)
        got = [(b.epoch, b.index) for b in self.p.batches(start=0, epochs=2)]
        self.assertEqual(got, [(0, i) for i in range(n0)] + [(1, i) for i in range(n1)])
        reference = [digest(b) for b in self.p.epoch(1)]
        first = self.p.epoch(0)
        next(first)
        second = self.p.epoch(1)  # leaves epoch 0 half read: its other batches are dropped
        with self.assertRaises(VoxelpipeError) as c:
            next(first)
        self.assertEqual(c.exception.code, "ERR_ABORTED")
        self.assertEqual([digest(b) for b in second], reference)

    def test_set_overrides_the_config(self):
        with Pipeline(config(), mmar=mmar(), workers=0, set={"train.image_pipeline.args.output_batch_size": 1}) as p:
            b = next(p.epoch(0))
            self.assertEqual(b["image"].shape, (2, 1, 16, 16, 16))
            self.assertEqual(len(p.epoch(0)), 4)  # the Smart Cache window of 4 items, one per batch

    def test_what_transforms_print_cannot_corrupt_the_protocol(self):
        # A custom transform printing to stdout, in the worker threads: the
        # server sends that to stderr, never between its protocol lines.
        root = copy_mmar(os.path.join(tempfile.mkdtemp(prefix="voxelpipe-pytest-"), "mmar"))
        with open(os.path.join(root, "chatty.mjs"), "w") as f:
            f.write(
                "export class Chatty {\n"
                "  constructor() { this.fields = ['image']; }\n"
                "  is_deterministic() { return false; }\n"
                "  apply(sample) { console.log('{\"op\":\"batch\",\"slot\":99}'); process.stdout.write('no newline'); return sample; }\n"
                "}\n"
            )
        cfg = variant("chatty", lambda c: c["train"]["pre_transforms"].append({"path": "./chatty.mjs#Chatty", "args": {}}), root)
        with Pipeline(cfg, mmar=root, workers=2) as p:
            self.assertEqual(len(list(p.epoch(0))), p.num_batches(0))

    def test_bad_arguments_are_refused_before_starting_anything(self):
        for kwargs, text in (
            ({"seed": -1}, "seed: expected a whole number >= 0, got -1"),
            ({"workers": 1.5}, "workers: expected a whole number >= 0, got 1.5"),
            ({"slots": 0}, "slots: expected a whole number >= 1, got 0"),
            ({"section": "test"}, "section: expected 'train' or 'validate', got 'test'"),
            ({"rank": 0}, "rank and world_size: give both or neither (neither: from RANK/WORLD_SIZE)"),
            ({"set": 3}, "set: expected a dict of KEY: value or a list of 'KEY=VALUE', got 3"),
        ):
            with self.assertRaises(VoxelpipeError) as c:
                Pipeline(config(), mmar=mmar(), **kwargs)
            self.assertEqual((c.exception.code, str(c.exception)), ("ERR_INVALID_ARGUMENT", text))
        with self.assertRaises(VoxelpipeError) as c:
            self.p.epoch(-1)
        self.assertEqual(c.exception.code, "ERR_INVALID_ARGUMENT")


def _header_seq(p: Pipeline) -> int:
    import json

    with open(os.path.join(p.shm_dir, "slot-0"), "rb") as f:
        head = f.read(4096)
    n = int.from_bytes(head[8:12], "little")
    return json.loads(head[12 : 12 + n])["seq"]


if __name__ == "__main__":
    unittest.main()
