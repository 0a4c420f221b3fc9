"""The workloads: bulk (iperf3), short connections (conn_load) and idle connections (conn_hold), each measured
on one peer and recorded with its check."""
import time

from . import sysstat, tooloutput
from .lab import FULL_PORTS, ONE_CLIENT_PORTS, SOURCE_BLOCK, SRV_IP
from .peers import ECHO_PORT, IPERF_PORT, IPERF_PORT_OF, RR_PORT, RR_PORT_OF, TOOLS_CPU
from .procs import in_ns, log, run


# conn_load's REQ:RESP of the HTTP-like short connections: a GET of ~50 bytes, a 128-byte or 16-KiB response
HTTP_SHAPES = {"http128": "50:128", "http16k": "50:16384"}


class Workloads:
    def __init__(self, opts, lab, procs, results, lineup, counted, bindir, resdir):
        self.opts, self.lab, self.procs, self.results = opts, lab, procs, results
        self.lineup, self.counted, self.bin, self.res = lineup, counted, bindir, resdir
        self.iperf_failed = False
        self.bulk_sum = {}   # peer -> [GB, core-0 s, all-cores s, proxy s] of the slice so far

    def _snap(self, pid):
        return sysstat.snap(pid, self.lab.ns_inodes)

    # ---- tools ----
    def run_iperf(self, out, direction, streams, seconds, port=IPERF_PORT, pid=None):
        """-> (json text, snapshot before, snapshot after) or None after 3 failed attempts."""
        args = ["iperf3", "-c", SRV_IP, "-p", str(port), "-t", str(seconds), "-P", str(streams), "-J"]
        if direction == "s2c":
            args.append("-R")
        for attempt in (1, 2, 3):
            time.sleep(1)   # the iperf3 server needs a moment between tests
            s0 = self._snap(pid)
            with open(out, "w") as f, open(f"{out}.err", "w") as err:
                rc = self.procs.wait(self.procs.start(self.lab.cli, TOOLS_CPU, "iperf3", args, stdout=f, stderr=err))
            text = out.read_text()
            if rc == 0 and tooloutput.iperf_received(text):
                return text, s0, self._snap(pid)
            log(f"iperf3 {direction} -P {streams} failed (attempt {attempt}): "
                f"{tooloutput.iperf_error(text)}{open(f'{out}.err').read()}")
        return None

    def conn_load(self, port, seconds, warmup=None, source=None, out=None, shape=None):
        """conn_load's key=value line; shape: "REQ:RESP" for the HTTP-like requests (with a source)."""
        args = [str(self.bin / "conn_load"), SRV_IP, str(port), str(self.opts.concurrency), str(seconds)]
        if warmup is not None:
            args.append(str(warmup))
        if source is not None:
            args.append(f"{source}/{SOURCE_BLOCK}")
        if shape is not None:
            args.append(shape)
        text = run(in_ns(self.lab.cli, "taskset", "-c", str(TOOLS_CPU), *args))
        if out is not None:
            out.write_text(text)
        return text

    def warm_up(self, peer, paired):
        bulk_port = IPERF_PORT_OF[peer] if paired else IPERF_PORT
        if not paired or self.opts.runs("bulk"):
            self.run_iperf(self.res / "warm.json", "c2s", 1, self.opts.warm_seconds, bulk_port)
            self.run_iperf(self.res / "warm.json", "s2c", 8, self.opts.warm_seconds, bulk_port)
        self.conn_load(RR_PORT_OF[peer] if paired else RR_PORT, self.opts.conn_warm_seconds)

    # ---- bulk, one peer in one slice ----
    def bulk(self, s, peer, key):
        direction, streams = key.split("_")
        streams = int(streams)
        pid = self.lineup.paired_pid.get(peer)
        out = self.res / f"iperf-{s}-{peer}-{key}.json"
        measured = self.run_iperf(out, direction, streams, self.opts.bulk_seconds, IPERF_PORT_OF[peer], pid)
        if measured is None:
            self.iperf_failed = True
            self.results.check(s, peer, f"bulk {key}", False, "iperf3 failed 3 times")
            return
        text, s0, s1 = measured
        time.sleep(0.3)
        nbytes, bps = tooloutput.iperf_received(text)
        d = sysstat.delta(s0, s1)
        rec = self.results.record
        rec(s, peer, "other_pct", d.other_pct)
        gb = nbytes / 1e9
        rec(s, peer, f"{key}_gbps", bps / 1e9)
        rec(s, peer, f"{key}_core0", d.core0_s / gb)
        sums = self.bulk_sum.setdefault(peer, [0, 0, 0, 0])
        for i, v in enumerate((gb, d.core0_s, d.all_s, d.proxy_s)):
            sums[i] += v
        ok, detail = self.counted.verify(peer, streams + 1, nbytes * 99 // 100)
        self.results.check(s, peer, f"bulk {key}", ok,
                           f"iperf3 opened {streams + 1} connections, received {nbytes} bytes{detail}")

    def bulk_slice_totals(self, s):
        """The slice's "all bulk runs" rows of every peer, then a fresh sum."""
        for peer, (gb, c0, everything, proxy_s) in self.bulk_sum.items():
            if gb == 0:
                continue
            self.results.record(s, peer, "bulk_core0", c0 / gb)
            self.results.record(s, peer, "bulk_all", everything / gb)
            if peer != "kernel":
                self.results.record(s, peer, "bulk_proxy", proxy_s / gb)
        self.bulk_sum = {}

    # ---- short connections, one peer in one slice ----
    def conn(self, s, peer, variant):
        """many: from a block of client addresses of its own (no 4-tuple was used before); one: from the client's
        one address with its port range cut to 1000 ports, so every connection reuses a 4-tuple that is still in
        TIME_WAIT somewhere; http128, http16k: HTTP-like, a 50-byte request answered by 128 bytes or 16 KiB and
        the server's close, from many clients. Every peer is up; the server port says which one carries them."""
        metric = {"many": "conn", "one": "conn1"}.get(variant, variant)
        source = None if variant == "one" else self.lab.block_address(self.opts.block(variant, s), peer)
        if variant == "one":
            self.lab.sysctl(self.lab.cli, "net.ipv4.ip_local_port_range", ONE_CLIENT_PORTS)
        syn0 = self.lab.syn_retransmits()
        kv, d, everything = self._short_connections(s, peer, source, f"{metric}-{s}-{peer}.txt", f"({variant})",
                                                    HTTP_SHAPES.get(variant))
        syn1 = self.lab.syn_retransmits()
        if variant == "one":
            self.lab.sysctl(self.lab.cli, "net.ipv4.ip_local_port_range", FULL_PORTS)
        rec = self.results.record
        rec(s, peer, "other_pct", d.other_pct)
        for name, key in (("rate", "rate"), ("p50", "p50_us"), ("p99", "p99_us"), ("errors", "errors")):
            rec(s, peer, f"{metric}_{name}", float(kv.get(key) or 0))
        if variant in ("many", "one"):
            rec(s, peer, f"{metric}_synretrans", (syn1 - syn0) / everything * 100)
        if variant != "one":
            rec(s, peer, f"{metric}_core0_us", d.core0_s / everything * 1e6)
        if variant == "many" and peer != "kernel":
            rec(s, peer, "conn_proxy_us", d.proxy_s / everything * 1e6)

    def logcost(self, s, setting):
        """tproxy's short connections from many clients with log.connections=setting (set by the caller): the A/B of
        its access log, from client address blocks of their own (past the rounds' and slices' blocks)."""
        block = self.opts.block(f"log{setting}", s)
        kv, d, everything = self._short_connections(s, "tproxy", self.lab.block_address(block, "tproxy"),
                                                    f"logcost-{s}-{setting}.txt", f"(log.connections={setting})")
        self.results.record(s, "tproxy", f"log{setting}_rate", float(kv.get("rate") or 0))
        self.results.record(s, "tproxy", f"log{setting}_core0_us", d.core0_s / everything * 1e6)

    def _short_connections(self, s, peer, source, out, what, shape=None):
        """One conn_load run through peer, checked against the proxy's counters -> (key=values, CPU delta, all).
        CPU per connection: everything the window saw (warm-up included) over every connection completed in it."""
        pid = self.lineup.paired_pid.get(peer)
        s0 = self._snap(pid)
        kv = tooloutput.key_values(self.conn_load(RR_PORT_OF[peer], self.opts.conn_seconds, 0.5, source,
                                                  self.res / out, shape))
        s1 = self._snap(pid)
        time.sleep(0.3)
        done = int(kv.get("done") or 0)
        everything = int(kv.get("all") or 0) or 1
        ok, detail = self.counted.verify(peer, everything, 0)
        self.results.check(s, peer, f"short connections {what}", ok and done > 0,
                           f"the client completed {everything}{detail}")
        return kv, sysstat.delta(s0, s1), everything

    # ---- many idle connections, one peer in one round ----
    def idle(self, r, peer, pid, heap_kb):
        """heap_kb(pid): the live Java heap after a full GC, or None."""
        self.lab.wait_router_idle(log)
        heap0 = heap_kb(pid) if peer == "tproxy" else None   # a full GC first, so both RSS readings follow one
        rss0 = sysstat.rss_kb(pid) if pid else 0
        slab0, sock0 = sysstat.slab_kb(), sysstat.slab_kb(sysstat.SOCKET_CACHES)
        out = self.res / f"idle-{r}-{peer}.txt"
        with open(out, "w") as f:
            hold = self.procs.start(self.lab.cli, TOOLS_CPU, "conn_hold",
                                    [str(self.bin / "conn_hold"), SRV_IP, str(ECHO_PORT), str(self.opts.idle_target),
                                     "256", "60"], stdout=f)
        for _ in range(700):
            if "READY" in out.read_text() or hold.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(1)
        lines = out.read_text().splitlines()
        kv = tooloutput.key_values(lines[0] if lines else "")
        est = int(kv["established"]) if "established" in kv else 0
        took = float(kv.get("seconds") or 0) if "established" in kv else 0
        heap1 = heap_kb(pid) if peer == "tproxy" else None
        rss1 = sysstat.rss_kb(pid) if pid else 0
        slab1, sock1 = sysstat.slab_kb(), sysstat.slab_kb(sysstat.SOCKET_CACHES)
        in_router = self.lab.established_in_router()
        self.procs.stop(hold)
        rec = self.results.record
        rec(r, peer, "idle_established", est)
        rec(r, peer, "idle_setup_s", took)
        if est > 0:
            rec(r, peer, "idle_slab_kb", (slab1 - slab0) / est)
            rec(r, peer, "idle_sockslab_kb", (sock1 - sock0) / est)
        if peer != "kernel":
            rec(r, peer, "idle_rss0_mb", rss0 / 1024)
            rec(r, peer, "idle_rss1_mb", rss1 / 1024)
            if est > 0 and heap0 is not None and heap1 is not None:
                rec(r, peer, "idle_heap_kb", (heap1 - heap0) / est)
            if est > 0:
                rec(r, peer, "idle_rss_kb", (rss1 - rss0) / est)
            self.results.check(r, peer, "idle connections", est > 0 and in_router >= 2 * est,
                               f"{est} established end to end; the router held {in_router} established sockets "
                               "(2 per proxied connection)")
        else:
            self.results.check(r, peer, "idle connections", in_router == 0,
                               f"{est} established end to end; the router held {in_router} sockets (forwarding only)")
        self.lab.wait_router_idle(log)
