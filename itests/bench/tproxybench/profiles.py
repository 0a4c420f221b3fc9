"""Profiles of the last round: JFR allocation on tproxy's event loop, where the proxy's core spends its time (perf)."""
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from . import coretime, sysstat, tooloutput
from .peers import PROXY_CPU, RR_PORT
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


def _core_busy_us():
    with open("/proc/stat") as f:
        return sysstat.cpu_busy(f.read()).get(f"cpu{PROXY_CPU}", 0) / sysstat.HZ * 1e6


def _around(cmd, load):
    """Runs the load while cmd (a perf command that stops on SIGINT) watches; -> (units of work, core-0 busy µs).
    load() -> (units, busy µs of its own measurement, or None for the whole call). The watcher is stopped whatever
    happens."""
    watcher = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1)   # perf is attached
        b0 = _core_busy_us()
        units, busy_us = load()
        return units, (_core_busy_us() - b0) if busy_us is None else busy_us
    finally:
        watcher.send_signal(signal.SIGINT)
        try:
            watcher.wait(timeout=30)
        except subprocess.TimeoutExpired:
            watcher.kill()
            watcher.wait()


def perf_profile(bench, peer, pid):
    """Where core 0's time goes while the proxy carries a bulk and a short-connection load: `perf record -C` of the
    core in one window, `perf trace -s` of the proxy's system calls in a second one. -> [CoreProfile]"""
    log(f"perf profile of core {PROXY_CPU}: {peer}")
    seconds = bench.opts.bulk_seconds

    def conn():
        text = bench.workloads.conn_load(RR_PORT, seconds, 0, bench.lab.block_address(bench.opts.rounds, peer))
        return int(tooloutput.key_values(text).get("done", 0)), None

    def c2s():
        # the busy time of the attempt that succeeded (run_iperf retries a failed one)
        result = bench.workloads.run_iperf(bench.work / f"perf-{peer}.json", "c2s", 1, seconds)
        received = tooloutput.iperf_received(result[0]) if result else None
        if not received:
            return 0, 0.0
        return received[0] / 1e9, (result[2].core0_busy - result[1].core0_busy) / sysstat.HZ * 1e6

    found = []
    for load, work in (("c2s", c2s), ("conn", conn)):
        data = bench.work / f"perf-{peer}-{load}.data"
        units, busy_us = _around(["perf", "record", "-q", "-C", str(PROXY_CPU), "-o", str(data)], work)
        if peer == "tproxy" and bench.jcmd:   # names the JIT-compiled methods (/tmp/perf-PID.map) for perf report
            run([bench.jcmd, str(pid), "Compiler.perfmap"], check=False, quiet=True)
        report_text = run(["perf", "report", "-i", str(data), "--no-children", "--sort", "dso,sym", "--stdio",
                           "-t", "\t", "-q"], check=False, quiet=True)
        data.unlink(missing_ok=True)
        Path(f"/tmp/perf-{pid}.map").unlink(missing_ok=True)
        shares, user_top = coretime.split(tooloutput.perf_samples(report_text))
        trace = bench.work / f"trace-{peer}-{load}.txt"
        traced_units, _ = _around(["perf", "trace", "-s", "-p", str(pid), "-o", str(trace)], work)
        calls = tooloutput.trace_calls(trace.read_text()) if trace.exists() else {}
        if not calls:
            log(f"perf trace counted no system call of {peer} ({load}): the report has no system-call rows for it")
        syscalls = {name: n / traced_units for name, n in calls.items()} if traced_units else {}
        profile = coretime.CoreProfile(peer, load, units, busy_us, shares, user_top, syscalls)
        (bench.res / f"perf-{peer}-{load}.txt").write_text(
            f"units={units} busy_us={busy_us:.0f} traced_units={traced_units}\n"
            + "".join(f"{k}\t{v:.4f}\n" for k, v in shares.items())
            + "\n".join(coretime.user_top_text(profile)) + "\n"
            + "".join(f"{k}\t{n}\n" for k, n in sorted(calls.items(), key=lambda kv: -kv[1])))
        found.append(profile)
    return found
