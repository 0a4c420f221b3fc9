import unittest
from pathlib import Path

from tproxybench import options


class BlockTest(unittest.TestCase):
    def test_every_measurement_of_a_slice_has_a_block_of_its_own(self):
        o = options.parse(["--rounds", "3", "--slices", "12"], Path("."))
        blocks = [o.block(kind, s) for kind in options.SLICE_BLOCKS for s in range(1, 13)]
        self.assertEqual(len(blocks), len(set(blocks)))
        self.assertEqual(min(blocks), 4, "after the rounds' blocks")
        self.assertEqual(max(blocks), o.blocks_per_peer)

    def test_logcost_needs_tproxy(self):
        self.assertTrue(options.parse(["--quick"], Path(".")).runs("logcost"))
        self.assertFalse(options.parse(["--peers", "kernel,haproxy"], Path(".")).runs("logcost"))
