import unittest

from tproxybench import coretime, tooloutput

REPORT = ("    40.00%  \t[kernel.kallsyms]\t[k] pv_native_safe_halt\n"
          "    30.00%\t[kernel.kallsyms]\t[k] tcp_ack\n"
          "    12.00%\t[JIT] tid 42\t[.] Ldev/tproxy/proxy/internal/engine/Relay;::onReady\n"
          "     9.00%\tlibjnidispatch.so\t[.] dispatch\n"
          "     6.00%\tlibc.so.6\t[.] syscall\n"
          "     3.00%\tlibjvm.so\t[.] Interpreter\n"
          "\n")

TRACE = """
 Summary of events:

 tproxy-loop-0 (101), 300 events, 90.0%

   syscall            calls  errors  total       min       avg       max       stddev
                                     (msec)    (msec)    (msec)    (msec)        (%)
   --------------- --------  ------ -------- --------- --------- ---------     ------
   splice               100     10     1.000     0.001     0.010     0.100      1.00%
   accept4               20      0     0.500     0.010     0.025     0.050      2.00%

 tproxy-loop-1 (102), 30 events, 10.0%

   syscall            calls  errors  total       min       avg       max       stddev
   --------------- --------  ------ -------- --------- --------- ---------     ------
   splice                10      0     0.100     0.001     0.010     0.020      1.00%
"""


class CoreTimeTest(unittest.TestCase):
    def test_perf_report_lines(self):
        samples = tooloutput.perf_samples(REPORT)
        self.assertEqual(len(samples), 6)
        self.assertEqual(samples[2][:2], (12.0, "[JIT] tid 42"))

    def test_split_leaves_the_idle_loop_out_and_sorts_by_where_the_code_is(self):
        shares, top = coretime.split(tooloutput.perf_samples(REPORT))
        self.assertAlmostEqual(shares[coretime.KERNEL], 0.5)
        self.assertAlmostEqual(shares[coretime.OWN_CODE], 0.2)
        self.assertAlmostEqual(shares[coretime.JNA], 0.15)
        self.assertAlmostEqual(shares[coretime.LIBC], 0.1)
        self.assertAlmostEqual(shares[coretime.JVM], 0.05)
        self.assertAlmostEqual(sum(shares.values()), 1.0)
        self.assertEqual([dso for _, dso, _ in top], ["[JIT] tid 42", "libjnidispatch.so", "libc.so.6", "libjvm.so"])
        self.assertEqual(coretime.category("haproxy"), coretime.OWN_CODE)
        self.assertEqual(coretime.category("libcrypto.so.3"), coretime.OTHER)
        self.assertEqual(coretime.category("[JIT] tid 42", "[.] Interpreter"), coretime.JVM)
        self.assertEqual(coretime.category("[JIT] tid 42", "[.] void dev.tproxy.X.run()"), coretime.OWN_CODE)

    def test_nothing_busy(self):
        shares, top = coretime.split([(100.0, "[kernel.kallsyms]", "[k] default_idle")])
        self.assertEqual(sum(shares.values()), 0.0)
        self.assertEqual(top, [])

    def test_trace_summary_sums_threads(self):
        self.assertEqual(tooloutput.trace_calls(TRACE), {"splice": 110, "accept4": 20})

    def test_table_per_connection(self):
        shares, top = coretime.split(tooloutput.perf_samples(REPORT))
        hap = coretime.CoreProfile("haproxy", "conn", 1000, 100_000, {coretime.KERNEL: 0.9, coretime.OWN_CODE: 0.1},
                                   [], {"accept4": 1.0, "splice": 2.0})
        tp = coretime.CoreProfile("tproxy", "conn", 1000, 120_000, shares, top, {"accept4": 1.0, "splice": 3.0})
        rows = coretime.table_md([tp, hap], "conn")
        self.assertEqual(rows[0], "| Short connections, many clients: per connection | HAProxy | tproxy |")
        self.assertIn("| core-0 busy time (µs) | 100.0 | 120.0 |", rows)
        self.assertIn("| … kernel (µs) | 90.0 | 60.0 |", rows)
        self.assertIn("| system calls | 3.0 | 4.0 |", rows)
        self.assertEqual(rows[-2:], ["| … splice | 2.00 | 3.00 |", "| … accept4 | 1.00 | 1.00 |"])
        self.assertEqual(coretime.table_md([hap, tp], "c2s"), [])
        self.assertEqual(coretime.tables_md([hap, tp]), [*rows, ""])


if __name__ == "__main__":
    unittest.main()
