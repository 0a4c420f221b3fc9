import unittest

from tproxybench import document
from tproxybench.options import parse
from tproxybench.profiles import AllocWindow
from tproxybench.results import Results
from pathlib import Path


class DocumentTest(unittest.TestCase):
    def render(self, failed=False, alloc=None):
        opts = parse(["--quick", "--md", "x.md"], Path("/repo"))
        results = Results(lambda _: None)
        results.record(1, "kernel", "conn_rate", 7000)
        results.record(1, "tproxy", "conn_rate", 6000)
        results.check(1, "tproxy", "short connections (many)", not failed, "the client completed 6000")
        machine = document.Machine(2, "Some CPU", "6.1.0", 'openjdk version "21"', "HAProxy version 2.6.12 2023/03/20",
                                   "iperf 3.12", 20000, "proxy bundle sha256 0123456789ab")
        return document.render(document.Run(opts, machine, results, "2026-12-04 01:00 UTC", 157, 9900,
                                            alloc=alloc or {}))

    def test_sections_in_order(self):
        text = self.render()
        heads = [l for l in text.splitlines() if l.startswith("#")]
        self.assertEqual(heads, ["# tproxy benchmark", "## Setup", "## Results (medians)", "## Every round"])
        self.assertIn("Command: `itests/bench/run --quick --md x.md`", text)
        self.assertIn("**HAProxy** 2.6.12,", text)
        self.assertIn("| Short connections, many clients (conn/s) ↑ | 7000 | – | 6000 | 0.86× | – | – |", text)
        self.assertIn("Checks: 1 passed, 0 failed.", text)
        self.assertIn("- slice 1, tproxy, short connections (many): ok — the client completed 6000", text)
        self.assertTrue(text.endswith("</details>\n"))

    def test_failed_checks_listed(self):
        text = self.render(failed=True)
        self.assertIn("Checks: 0 passed, 1 failed.\n\n- FAILED slice 1 tproxy short connections (many): "
                      "the client completed 6000", text)

    def test_allocation_section(self):
        bulk = AllocWindow(3, 2_000_000_000, [("tproxy-loop-0", 4000), ("main", 1000)],
                           [(4000, "byte[]", "A.b < C.d")], [("A.b < C.d", 12)], 0)
        text = self.render(alloc={"bulk": bulk})
        self.assertIn("- allocated by the `tproxy-loop-*` threads: **4000 bytes** = **2000 bytes per GB relayed**", text)
        self.assertIn("4000\tbyte[]\tA.b < C.d", text)
        self.assertIn("     12 A.b < C.d", text)


if __name__ == "__main__":
    unittest.main()
