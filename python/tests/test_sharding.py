"""Each DDP rank gets its shard: RANK/WORLD_SIZE (torchrun) reach the Node side, or the arguments."""

from __future__ import annotations

import os
import unittest
from unittest import mock

from voxelpipe import Pipeline

from .helpers import mmar, no_cache, variant


def samples(p: Pipeline, e: int):
    """(global position, item) of each sample of epoch ``e``."""
    return [(r["position"], r["item"]) for b in p.epoch(e) for r in b.rows if r["crop"] == 0]


class Sharding(unittest.TestCase):
    def test_ranks_from_the_environment_get_disjoint_shards(self):
        cfg = variant("nocache", no_cache)
        shards = []
        for rank in (0, 1):
            with mock.patch.dict(os.environ, {"RANK": str(rank), "WORLD_SIZE": "2"}):
                with Pipeline(cfg, mmar=mmar(), workers=0) as p:
                    self.assertEqual((p.rank, p.world_size), (rank, 2))
                    self.assertIn(f"rank {rank} of 2", p.describe())
                    shards.append([samples(p, 0), samples(p, 1)])
        for e in (0, 1):
            a, b = shards[0][e], shards[1][e]
            # As DistributedSampler: 5 items padded to 6 positions, 3 per rank, disjoint positions covering all items.
            self.assertEqual((len(a), len(b)), (3, 3))
            self.assertEqual(sorted(pos for pos, _ in a + b), list(range(6)))
            self.assertEqual({item for _, item in a + b}, set(range(5)))
        self.assertNotEqual(shards[0][0], shards[0][1], "each epoch reshuffles the shard")
        # Explicit arguments win over the environment, and give the same shard.
        with mock.patch.dict(os.environ, {"RANK": "0", "WORLD_SIZE": "2"}):
            with Pipeline(cfg, mmar=mmar(), workers=0, rank=1, world_size=2) as p:
                self.assertEqual(samples(p, 0), shards[1][0])


if __name__ == "__main__":
    unittest.main()
