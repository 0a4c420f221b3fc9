import json
import unittest

from tproxybench import tooloutput


def jfr(events):
    return json.dumps({"recording": {"events": events}})


def frame(t, m):
    return {"method": {"type": {"name": t}, "name": m}}


class KeyValueTest(unittest.TestCase):
    def test_conn_load_line(self):
        kv = tooloutput.key_values("done=1200 rate=600.5 p50_us=41 p90_us=60 p99_us=95 max_us=300 errors=0 "
                                   "unfinished=0 samples=1200 all=1232\n")
        self.assertEqual((kv["done"], kv["rate"], kv["p99_us"], kv["all"]), ("1200", "600.5", "95", "1232"))

    def test_conn_hold_first_line_and_no_substring_match(self):
        kv = tooloutput.key_values("established=9500 failed=0 pending=0 seconds=1.04\nREADY\n")
        self.assertEqual(kv["established"], "9500")
        self.assertEqual(kv["seconds"], "1.04")
        self.assertNotIn("done", tooloutput.key_values("undone=3"))

    def test_garbage(self):
        self.assertEqual(tooloutput.key_values("conn_load: bad address x"), {})


class ProxyCountersTest(unittest.TestCase):
    def test_haproxy_frontend_row(self):
        csv = ("# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq\n"
               "transparent,FRONTEND,,,3,10,9500,42,1000,2000,0\n"
               "original_destination,original,0,0,3,10,,42,1000,2000,\n")
        self.assertEqual(tooloutput.haproxy_frontend(csv), (42, 3000, 3))
        self.assertIsNone(tooloutput.haproxy_frontend(""))

    def test_tproxy_stats_json(self):
        text = json.dumps({"total": {"accepted": 7, "bytesFromClient": 10, "bytesFromServer": 5, "active": 1}})
        self.assertEqual(tooloutput.tproxy_stats(text), (7, 15, 1))
        self.assertIsNone(tooloutput.tproxy_stats("gogo: CommandNotFoundException"))

    def test_tproxy_log_lines(self):
        lines = ["x INFO connection 1 closed: from-client=10 from-server=20 reason=eof",
                 "x INFO connection 2 closed: from-client=1 from-server=2",
                 "x INFO connection 3 accepted"]
        self.assertEqual(tooloutput.tproxy_log_counters(lines), (2, 33, -1))


class ListenerSettingTest(unittest.TestCase):
    def test_a_field_of_a_named_listener(self):
        text = json.dumps({"listeners": [{"name": "lan", "settings": {"log.connections": "all"}},
                                         {"name": "default", "settings": {"log.connections": "none"}}]})
        self.assertEqual(tooloutput.tproxy_listener_setting(text, "default", "log.connections"), "none")
        self.assertIsNone(tooloutput.tproxy_listener_setting(text, "default", "port"))
        self.assertIsNone(tooloutput.tproxy_listener_setting(text, "wan", "log.connections"))
        self.assertIsNone(tooloutput.tproxy_listener_setting("gogo: CommandNotFoundException", "default", "x"))


class IperfTest(unittest.TestCase):
    def test_received(self):
        text = json.dumps({"end": {"sum_received": {"bytes": 2500000000, "bits_per_second": 9.5e9}}})
        self.assertEqual(tooloutput.iperf_received(text), (2500000000, 9.5e9))

    def test_failed_run(self):
        self.assertIsNone(tooloutput.iperf_received(json.dumps({"error": "unable to connect", "end": {}})))
        self.assertIsNone(tooloutput.iperf_received(""))
        self.assertEqual(tooloutput.iperf_error(json.dumps({"error": "busy"})), "busy")


class HeapTest(unittest.TestCase):
    def test_serial_generations(self):
        text = (" def new generation   total 4928K, used 1234K [0x...)\n"
                "  eden space 4416K,  27% used\n"
                " tenured generation   total 10944K, used 2000K [0x...)\n"
                " Metaspace       used 9000K, committed 9200K\n")
        self.assertEqual(tooloutput.heap_used_kb(text), 3234)
        self.assertIsNone(tooloutput.heap_used_kb("no heap here"))


class JfrTest(unittest.TestCase):
    def test_thread_allocations_between_first_and_last_event(self):
        text = jfr([
            {"values": {"startTime": "2026-01-01T00:00:02Z", "thread": {"javaName": "tproxy-loop-0"}, "allocated": 900}},
            {"values": {"startTime": "2026-01-01T00:00:01Z", "thread": {"javaName": "tproxy-loop-0"}, "allocated": 100}},
            {"values": {"startTime": "2026-01-01T00:00:01Z", "thread": {"javaName": "main"}, "allocated": 5}},
            {"values": {"startTime": "2026-01-01T00:00:01Z", "thread": {"javaName": "gc"}, "allocated": 1}},
            {"values": {"startTime": "2026-01-01T00:00:02Z", "thread": {"javaName": "gc"}, "allocated": 2}}])
        self.assertEqual(tooloutput.thread_allocations(text), [("tproxy-loop-0", 800), ("gc", 1)])

    def test_sites_and_hot_stacks_of_the_event_loop_only(self):
        stack = {"frames": [frame("java/nio/HeapByteBuffer", "<init>"), frame("dev/tproxy/Relay", "run")]}
        text = jfr([
            {"values": {"eventThread": {"javaName": "tproxy-loop-0"}, "objectClass": {"name": "byte[]"},
                        "weight": 100, "stackTrace": stack}},
            {"values": {"eventThread": {"javaName": "tproxy-loop-0"}, "objectClass": {"name": "byte[]"},
                        "weight": 50, "stackTrace": stack}},
            {"values": {"eventThread": {"javaName": "main"}, "objectClass": {"name": "X"}, "weight": 999,
                        "stackTrace": None}}])
        self.assertEqual(tooloutput.allocation_sites(text),
                         [(150, "byte[]", "HeapByteBuffer.<init> < Relay.run")])
        samples = jfr([{"values": {"sampledThread": {"javaName": "tproxy-loop-0"}, "stackTrace": stack}}] * 3
                      + [{"values": {"sampledThread": {"javaName": "other"}, "stackTrace": stack}}])
        self.assertEqual(tooloutput.hot_stacks(samples), [("HeapByteBuffer.<init> < Relay.run", 3)])
        self.assertEqual(tooloutput.event_count(samples), 4)


if __name__ == "__main__":
    unittest.main()
