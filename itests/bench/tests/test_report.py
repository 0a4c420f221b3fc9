import unittest

from tproxybench import report
from tproxybench.results import Check, Record

PEERS = ["kernel", "haproxy", "tproxy"]


def records():
    out = []
    for s, (k, h, t) in enumerate([(10.0, 8.0, 9.0), (12.0, 6.0, 6.0), (8.0, 8.0, 10.0)], start=1):
        out += [Record(s, "kernel", "c2s_1_gbps", k), Record(s, "haproxy", "c2s_1_gbps", h),
                Record(s, "tproxy", "c2s_1_gbps", t)]
        out += [Record(s, p, "other_pct", v) for p, v in (("kernel", 0.1), ("haproxy", 0.3), ("tproxy", s * 0.5))]
    out += [Record(1, "tproxy", "idle_rss_kb", 0.6), Record(1, "haproxy", "idle_rss_kb", 3.63)]
    return out


class TableTest(unittest.TestCase):
    def test_markdown_table(self):
        lines = report.table_md(records(), PEERS, 9500).splitlines()
        self.assertEqual(lines[0], "| Metric | kernel | HAProxy | tproxy | tproxy/kernel | tproxy/HAProxy | HAProxy/kernel |")
        self.assertEqual(lines[1], "|---|---:|---:|---:|---:|---:|---:|")
        # medians 10 / 8 / 9; ratios: medians of per-slice ratios (0.9, 0.5, 1.25 -> 0.9; 1.125, 1, 1.25 -> 1.125)
        self.assertEqual(lines[2], "| Bulk client→server, 1 stream (Gbit/s) ↑ | 10.00 | 8.00 | 9.00 | 0.90× | 1.12× | 0.80× |")
        # not compared with the kernel; the kernel has none
        self.assertEqual(lines[3], "| Proxy RSS per idle connection (KB) ↓ | – | 3.63 | 0.60 | – | 0.17× | – |")
        # other processes: no ratio at all
        self.assertEqual(lines[4], "| CPU of other processes during a test (% of all cores; round table: the worst test) ↓ "
                                   "| 0.1 | 0.3 | 1.0 | – | – | – |")
        self.assertEqual(len(lines), 5)

    def test_columns_follow_the_peers(self):
        lines = report.table_md(records(), ["kernel", "tproxy"], 9500).splitlines()
        self.assertEqual(lines[0], "| Metric | kernel | tproxy | tproxy/kernel |")
        text = report.table_text(records(), ["haproxy", "tproxy"], 9500).splitlines()
        self.assertEqual(text[0].split(), ["metric", "HAProxy", "tproxy", "tproxy/HAProxy"])
        self.assertEqual(text[1].split()[-3:], ["8.00", "9.00", "1.12×"])
        self.assertEqual(len(text[1]), 56 + 2 * 12 + 15)

    def test_every_round_keeps_the_worst_other_cpu_per_slice(self):
        lines = report.per_round_md(records(), 9500).splitlines()
        self.assertEqual(lines[0], "| Metric | kernel | HAProxy | tproxy |")
        self.assertIn("| Bulk client→server, 1 stream (Gbit/s) | 10, 12, 8 | 8, 6, 8 | 9, 6, 10 |", lines)
        self.assertIn("| CPU of other processes during a test (% of all cores; round table: the worst test) "
                      "| 0.1, 0.1, 0.1 | 0.3, 0.3, 0.3 | 0.5, 1, 1.5 |", lines)

    def test_notes_only_when_ports_reused_cost_syns(self):
        self.assertEqual(report.notes_md([Record(1, "tproxy", "conn1_synretrans", 3)]), [])
        self.assertEqual(report.notes_md([Record(1, "kernel", "conn1_synretrans", 50)]), [])
        self.assertTrue(report.notes_md([Record(1, "tproxy", "conn1_synretrans", 12.7)])[0]
                        .startswith("**Note — one client, ports reused:** up to 12 %"))

    def test_checks(self):
        checks = [Check(1, "tproxy", "bulk c2s_1", True, "iperf3 opened 2 connections"),
                  Check(2, "haproxy", "idle connections", False, "0 established")]
        self.assertEqual(report.checks_md(checks), ["- slice 1, tproxy, bulk c2s_1: ok — iperf3 opened 2 connections",
                                                    "- round 2, haproxy, idle connections: FAILED — 0 established"])
        self.assertEqual(report.failed_md(checks), ["- FAILED round 2 haproxy idle connections: 0 established"])


if __name__ == "__main__":
    unittest.main()


class LogCostLineTest(unittest.TestCase):
    def test_said_only_when_measured(self):
        self.assertEqual(report.logcost_lines(records()), [])
        recs = [Record(1, "tproxy", "logall_rate", 97), Record(1, "tproxy", "lognone_rate", 100),
                Record(1, "tproxy", "logall_core0_us", 103), Record(1, "tproxy", "lognone_core0_us", 100)]
        self.assertEqual(report.logcost_lines(recs)[0],
                         "Access log cost: tproxy with log.connections=all (as shipped) over none, in the same slices: "
                         "short-connection rate 0.97×, core-0 CPU per connection 1.03× (medians of per-slice ratios).")
