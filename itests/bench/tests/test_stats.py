import unittest

from tproxybench.results import Record
from tproxybench.stats import logcost_order, median, metric_ratio_median, ratio_median, round_order, slice_order

PEERS = ["kernel", "haproxy", "tproxy"]


class MedianTest(unittest.TestCase):
    def test_odd_even_empty(self):
        self.assertEqual(median([3, 1, 2]), 2)
        self.assertEqual(median([4, 1, 3, 2]), 2.5)
        self.assertIsNone(median([]))


class RatioTest(unittest.TestCase):
    def test_median_of_per_slice_ratios_not_ratio_of_medians(self):
        recs = [Record(1, "tproxy", "m", 10), Record(1, "kernel", "m", 5),      # 2.0
                Record(2, "tproxy", "m", 3), Record(2, "kernel", "m", 6),       # 0.5
                Record(3, "tproxy", "m", 9), Record(3, "kernel", "m", 10)]      # 0.9
        self.assertAlmostEqual(ratio_median(recs, "m", "tproxy", "kernel"), 0.9)

    def test_first_value_of_a_slice_counts_and_zero_divisors_are_left_out(self):
        recs = [Record(1, "tproxy", "m", 4), Record(1, "tproxy", "m", 100), Record(1, "kernel", "m", 2),
                Record(2, "tproxy", "m", 1), Record(2, "kernel", "m", 0),
                Record(3, "tproxy", "m", 1)]   # no kernel value in slice 3
        self.assertEqual(ratio_median(recs, "m", "tproxy", "kernel"), 2)

    def test_none_without_pairs(self):
        self.assertIsNone(ratio_median([Record(1, "tproxy", "m", 4)], "m", "tproxy", "kernel"))


class OrderTest(unittest.TestCase):
    def test_rounds_rotate(self):
        self.assertEqual(round_order(PEERS, 1), PEERS)
        self.assertEqual(round_order(PEERS, 2), ["haproxy", "tproxy", "kernel"])
        self.assertEqual(round_order(PEERS, 4), PEERS)

    def test_slices_rotations_then_reverse(self):   # the order of the bash version, slice 1 to 7
        self.assertEqual([slice_order(PEERS, s) for s in range(1, 7)], [
            ["kernel", "haproxy", "tproxy"], ["haproxy", "tproxy", "kernel"], ["tproxy", "kernel", "haproxy"],
            ["tproxy", "haproxy", "kernel"], ["kernel", "tproxy", "haproxy"], ["haproxy", "kernel", "tproxy"]])
        self.assertEqual(slice_order(PEERS, 7), PEERS)

    def test_balanced_over_2n_slices(self):
        for peers in (PEERS, ["kernel", "tproxy"]):
            n = len(peers)
            before = {}
            for s in range(1, 2 * n + 1):
                order = slice_order(peers, s)
                self.assertEqual(sorted(order), sorted(peers))
                for i, a in enumerate(order):
                    for b in order[i + 1:]:
                        before[a, b] = before.get((a, b), 0) + 1
            for a in peers:
                for b in peers:
                    if a != b:
                        self.assertEqual(before.get((a, b), 0), before.get((b, a), 0), (a, b))


if __name__ == "__main__":
    unittest.main()


class LogCostTest(unittest.TestCase):
    def test_ratio_of_two_metrics_of_one_peer_slice_by_slice(self):
        recs = [Record(1, "tproxy", "logall_rate", 90), Record(1, "tproxy", "lognone_rate", 100),   # 0.9
                Record(2, "tproxy", "logall_rate", 50), Record(2, "tproxy", "lognone_rate", 50),    # 1.0
                Record(3, "tproxy", "logall_rate", 80), Record(3, "haproxy", "lognone_rate", 1),    # no pair
                Record(4, "tproxy", "logall_rate", 98), Record(4, "tproxy", "lognone_rate", 100)]   # 0.98
        self.assertAlmostEqual(metric_ratio_median(recs, "tproxy", "logall_rate", "lognone_rate"), 0.98)
        self.assertIsNone(metric_ratio_median(recs, "haproxy", "logall_rate", "lognone_rate"))

    def test_the_order_alternates_so_a_drift_favours_neither(self):
        self.assertEqual([logcost_order(s) for s in (1, 2, 3)],
                         [("all", "none"), ("none", "all"), ("all", "none")])
