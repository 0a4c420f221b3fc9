"""Profiles of the last round: JFR allocation on tproxy's event loop, perf profiles of the proxy's core."""
import re
import subprocess
import time
from dataclasses import dataclass

from . import tooloutput
from .lab import SOURCE_BLOCK, SRV_IP
from .peers import IPERF_PORT, PROXY_CPU, RR_PORT, TOOLS_CPU
from .procs import log, run

JFC = """<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="tproxy-bench" description="allocation per thread and hot methods">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">everyChunk</setting></event>
  <event name="jdk.ObjectAllocationSample"><setting name="enabled">true</setting><setting name="throttle">1000/s</setting><setting name="stackTrace">true</setting></event>
  <event name="jdk.ExecutionSample"><setting name="enabled">true</setting><setting name="period">10 ms</setting></event>
  <event name="jdk.NativeMethodSample"><setting name="enabled">true</setting><setting name="period">10 ms</setting></event>
  <event name="jdk.GarbageCollection"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
</configuration>
"""
IDLE_SYMBOLS = re.compile(r"pv_native_safe_halt|default_idle|cpuidle|intel_idle|acpi_idle|poll_idle")


@dataclass
class AllocWindow:
    connections: int
    bytes: int
    threads: list   # [(thread, bytes)], most first
    sites: list     # [(weight, class, frames)]
    hot: list       # [(frames, count)]
    gcs: int


def java_heap_kb(jcmd, pid):
    """Live Java heap after a full GC (jcmd GC.run, GC.heap_info); None without jcmd."""
    if jcmd is None or not pid:
        return None
    if subprocess.run([jcmd, str(pid), "GC.run"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode:
        return None
    return tooloutput.heap_used_kb(run([jcmd, str(pid), "GC.heap_info"], check=False, quiet=True))


def alloc_check(bench, r, pid):
    """JFR around two extra 1-stream bulk runs and one short-connection run: {"bulk": AllocWindow, "conn": ...}."""
    log(f"round {r}: tproxy allocation check (JFR)")
    jfc = bench.work / "alloc.jfc"
    jfc.write_text(JFC)
    windows = {}
    for win in ("bulk", "conn"):
        n0, b0, _ = bench.lineup.counters("tproxy")
        run([bench.jcmd, str(pid), "JFR.start", f"name=bench-{win}", f"settings={jfc}"])
        if win == "bulk":
            bench.workloads.run_iperf(bench.res / "alloc-c2s.json", "c2s", 1, bench.opts.bulk_seconds)
            bench.workloads.run_iperf(bench.res / "alloc-s2c.json", "s2c", 1, bench.opts.bulk_seconds)
        else:
            bench.workloads.conn_load(RR_PORT, bench.opts.conn_seconds, 0, bench.lab.block_address(r, "tproxy"))
            time.sleep(1)
        recording = bench.res / f"alloc-{win}.jfr"
        run([bench.jcmd, str(pid), "JFR.stop", f"name=bench-{win}", f"filename={recording}"])
        n1, b1, _ = bench.lineup.counters("tproxy")

        def events(names):
            return run([bench.jfr, "print", "--json", "--events", names, str(recording)])

        windows[win] = w = AllocWindow(
            n1 - n0, b1 - b0,
            tooloutput.thread_allocations(events("jdk.ThreadAllocationStatistics")),
            tooloutput.allocation_sites(events("jdk.ObjectAllocationSample")),
            tooloutput.hot_stacks(events("jdk.NativeMethodSample,jdk.ExecutionSample")),
            tooloutput.event_count(events("jdk.GarbageCollection")))
        _keep(bench.res, win, w)
    return windows


def _keep(res, win, w):
    """The window's raw results, for --keep."""
    (res / f"alloc-{win}.counters").write_text(f"{w.connections} {w.bytes}\n")
    (res / f"alloc-{win}.threads").write_text("".join(f"{t}\t{b}\n" for t, b in w.threads))
    (res / f"alloc-{win}.sites").write_text("".join(f"{n}\t{c}\t{f}\n" for n, c, f in w.sites))
    (res / f"alloc-{win}.hot").write_text("".join(f"{n:7d} {f}\n" for f, n in w.hot))
    (res / f"alloc-{win}.gcs").write_text(f"{w.gcs}\n")


def _perf_report(data, sort, keep):
    out = run(["perf", "report", "-i", str(data), "--no-children", "--sort", sort, "--stdio"], check=False, quiet=True)
    lines = [l for l in out.splitlines() if re.match(r"^ +[0-9]", l) and keep(l)]
    return lines


def perf_profile(bench, peer):
    """perf record of the proxy's core under a bulk and a short-connection load: the report texts."""
    log(f"perf profile of core 0: {peer}")
    texts = []
    seconds = bench.opts.bulk_seconds
    for what in ("c2s", "conn"):
        data = bench.work / f"perf-{peer}-{what}.data"
        time.sleep(1)
        if what == "conn":
            cmd = [str(bench.bin / "conn_load"), SRV_IP, str(RR_PORT), str(bench.opts.concurrency), str(seconds + 2),
                   "0", f"{bench.lab.block_address(bench.opts.rounds, peer)}/{SOURCE_BLOCK}"]
        else:
            cmd = ["iperf3", "-c", SRV_IP, "-p", str(IPERF_PORT), "-t", str(seconds + 2)]
        load = bench.procs.start(bench.lab.cli, TOOLS_CPU, "perf-load", cmd)
        time.sleep(1)
        subprocess.run(["perf", "record", "-q", "-C", str(PROXY_CPU), "-o", str(data), "--", "sleep", str(seconds)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        bench.procs.wait(load)
        text = [f"== {peer}, {what}: core {PROXY_CPU} by command", *_perf_report(data, "comm", bool)[:6],
                f"== {peer}, {what}: core {PROXY_CPU} by binary", *_perf_report(data, "dso", bool)[:6],
                f"== {peer}, {what}: core {PROXY_CPU} top symbols (idle loop left out)",
                *_perf_report(data, "dso,sym", lambda l: not IDLE_SYMBOLS.search(l))[:12]]
        text = "\n".join(text) + "\n"
        (bench.res / f"perf-{peer}-{what}.txt").write_text(text)
        texts.append(text)
        data.unlink(missing_ok=True)
    return texts
