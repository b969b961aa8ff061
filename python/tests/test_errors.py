"""Node-side errors as VoxelpipeError with voxelpipe's message and code; warnings as VoxelpipeWarning."""

from __future__ import annotations

import os
import subprocess
import tempfile
import unittest
import warnings

from voxelpipe import Pipeline, VoxelpipeError, VoxelpipeWarning
from voxelpipe._launch import server_command

from .helpers import config, copy_mmar, demo_config, mmar, no_cache, variant


def truncated_copy() -> str:
    """A copy of the MMAR whose first training image is cut in half."""
    root = copy_mmar(os.path.join(tempfile.mkdtemp(prefix="voxelpipe-pytest-"), "mmar"))
    image = os.path.join(root, "data", "imagesTr", "spleen_0.nii.gz")
    with open(image, "r+b") as f:
        f.truncate(os.path.getsize(image) // 2)
    return root


class NodeErrors(unittest.TestCase):
    def test_a_missing_config_file(self):
        missing = os.path.join(mmar(), "config", "nope.json")
        with self.assertRaises(VoxelpipeError) as c:
            Pipeline(missing, mmar=mmar(), workers=0)
        self.assertEqual(c.exception.code, "ERR_FILE_NOT_FOUND")
        self.assertEqual(str(c.exception), f"{missing}: no such file or directory")

    def test_a_bad_config_value_names_its_json_path(self):
        bad = variant("bad", lambda c: c["train"]["image_pipeline"]["args"].update(output_batch_size="two"))
        with self.assertRaises(VoxelpipeError) as c:
            Pipeline(bad, mmar=mmar(), workers=0)
        self.assertEqual(c.exception.code, "ERR_CONFIG")
        self.assertIn("train.image_pipeline.args.output_batch_size", str(c.exception))
        self.assertNotIn("\n", str(c.exception))

    def test_a_corrupt_file_raises_what_voxelpipe_run_says(self):
        root = truncated_copy()
        cfg = config(root)
        with Pipeline(cfg, mmar=root, workers=0, set={"train.image_pipeline.args.output_batch_size": 1}) as p:
            with self.assertRaises(VoxelpipeError) as c:
                for e in range(3):  # the Smart Cache window holds 4 of 5 items: within 3 epochs it holds the bad one
                    list(p.epoch(e))
            err = c.exception
            self.assertIn("spleen_0.nii.gz", str(err))
            # The same line and code as the CLI prints for the same run.
            r = subprocess.run(
                [*server_command(), "run", "--config", cfg, "--mmar", root, "--workers", "0", "--epochs", "3", "--json", "--set", "train.image_pipeline.args.output_batch_size=1"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr.strip().splitlines()[-1], f"voxelpipe: {err}")
            self.assertIn(err.code, ("ERR_TRUNCATED", "ERR_CORRUPT_GZIP"))
            # The pipeline stays usable: the next epoch is served (or fails the same way), never hangs.
            with self.assertRaises(VoxelpipeError):
                for e in range(3, 6):
                    list(p.epoch(e))

    def test_skipped_samples_warn_and_leave_the_length_unknown(self):
        root = truncated_copy()
        with Pipeline(variant("nocache", no_cache, root), mmar=root, workers=0, skip_bad_samples=True) as p:
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                ep = p.epoch(0)
                with self.assertRaises(TypeError):
                    len(ep)
                rows = [r for b in ep for r in b.rows]
            self.assertEqual(len({r["item"] for r in rows}), 4)  # 5 items, one unreadable
            messages = [str(x.message) for x in w if issubclass(x.category, VoxelpipeWarning)]
            self.assertEqual(len(messages), 1, messages)
            self.assertRegex(messages[0], r"^skipped sample \d+ of epoch 0: .*spleen_0\.nii\.gz")

    def test_config_warnings_arrive_as_voxelpipe_warnings(self):
        with self.assertWarns(VoxelpipeWarning) as w:
            p = Pipeline(demo_config(), mmar=mmar(), workers=0)
        p.close()
        self.assertEqual(str(w.warning), "ignoring Clara keys voxelpipe does not use: train.loss, train.optimizer, train.model, validate.metrics")


if __name__ == "__main__":
    unittest.main()
