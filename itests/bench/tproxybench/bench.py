"""The run from start to end: checks, lab and peers up, the measurements, the report; and the teardown of
everything it set up, on success, failure, Ctrl-C or TERM."""
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import coretime, document, options, profiles, report, sysstat
from .lab import Lab
from .lineup import Counted, Lineup
from .peers import (ECHO_PORT, HAP_IPERF_PORT, HAP_RR_PORT, IPERF_PORT, KERNEL_IPERF_PORT,
                    HAPROXY_STATS_PORT, KERNEL_RR_PORT, PROXY_PORT, RR_PORT, TOOLS_CPU, TPROXY_LOG_CONNECTIONS,
                    Haproxy, Rules, Tproxy)
from .procs import Failure, Processes, log, run
from .results import Results
from .stats import logcost_order, round_order, slice_order
from .workloads import Workloads

HERE = Path(__file__).resolve().parent.parent
ROOT = HERE.parent.parent


class Stopped(Exception):
    def __init__(self, status, why):
        super().__init__(why)
        self.status = status


def _on_signal(signum, _frame):
    raise Stopped(130 if signum == signal.SIGINT else 143, "interrupted" if signum == signal.SIGINT else "terminated")


def _first_line(cmd):
    out = subprocess.run(cmd, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False).stdout
    return out.splitlines()[0] if out else ""


def _preflight(opts):
    if os.geteuid() != 0:
        raise Failure("needs root (network namespaces, TPROXY rules)")
    if sysstat.NCPU < 2:
        raise Failure("needs at least 2 cores (the proxy is pinned to core 0, the tools to core 1)")
    for tool in ("ip", "gcc", "java", "taskset", "ss"):
        if not shutil.which(tool):
            raise Failure(f"missing {tool}")
    dist = ROOT / "distribution/target/tproxy"
    if not os.access(dist / "bin/start", os.X_OK):
        raise Failure(f"no distribution at {dist}: run 'mvn -q verify -DskipTests' first")
    missing = [pkg for tool, pkg in (("nft", "nftables"), ("iperf3", "iperf3"), ("haproxy", "haproxy"))
               if not shutil.which(tool)]
    if missing:
        log(f"installing {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-q", *missing]
        if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL, check=True)
            subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=True)
    java_bin = Path(shutil.which("java")).resolve().parent
    jcmd, jfr = java_bin / "jcmd", java_bin / "jfr"
    have_jdk = os.access(jcmd, os.X_OK) and os.access(jfr, os.X_OK)
    if opts.alloc and not have_jdk:
        log(f"no jcmd/jfr next to {java_bin}/java: skipping the allocation check")
        opts.alloc = False
    if opts.perf and not shutil.which("perf"):
        log("no perf: skipping the profiles (apt-get install linux-perf)")
        opts.perf = False
    return dist, (str(jcmd) if os.access(jcmd, os.X_OK) else None), str(jfr)


class Bench:
    def __init__(self, opts):
        self.opts = opts
        self.dist, self.jcmd, self.jfr = _preflight(opts)
        self.lab = Lab(ROOT, opts.peers, opts.blocks_per_peer)
        self.work = Path(tempfile.mkdtemp(prefix="tproxy-bench."))
        self.res, self.bin = self.work / "results", self.work / "bin"
        self.res.mkdir()
        self.bin.mkdir()
        self.procs = Processes()
        self.results = Results(log)
        self.rules = Rules(ROOT, self.lab)
        self.tproxy = Tproxy(ROOT, self.dist, self.work, self.lab)
        self.haproxy = None
        self.alloc, self.perf = {}, []

    def cleanup(self):
        for step in (self.tproxy.cleanup, self.procs.stop_all, self.rules.cleanup, self.lab.down):
            try:
                step()
            except Exception as e:   # every other step still runs
                log(f"cleanup: {e}")
        if self.opts.keep:
            try:
                self.results.write_tsv(self.res)
                self.opts.keep.mkdir(parents=True, exist_ok=True)
                shutil.copytree(self.res, self.opts.keep, dirs_exist_ok=True)
                log(f"raw results kept in {self.opts.keep}")
            except OSError as e:
                log(f"cleanup: {e}")
        shutil.rmtree(self.work, ignore_errors=True)

    def setup(self):
        o = self.opts
        for tool in ("bench_server", "conn_load", "conn_hold"):
            run(["gcc", "-O2", "-Wall", "-o", str(self.bin / tool), str(HERE / "src" / f"{tool}.c")])
        log(f"lab {self.lab.prefix} (work dir {self.work})")
        self.lab.up(f"{PROXY_PORT}-{HAPROXY_STATS_PORT}")
        with open(self.res / "bench_server.log", "w") as f:
            self.procs.start(self.lab.srv, TOOLS_CPU, "bench_server",
                             [str(self.bin / "bench_server"), *map(str, (RR_PORT, ECHO_PORT, HAP_RR_PORT,
                                                                          KERNEL_RR_PORT))], stdout=f)
        with open(self.res / "iperf3_server.log", "a") as f:
            for port in (IPERF_PORT, HAP_IPERF_PORT, KERNEL_IPERF_PORT):
                self.procs.start(self.lab.srv, TOOLS_CPU, "iperf3-server", ["iperf3", "-s", "-p", str(port)], stdout=f)
        for port in (RR_PORT, ECHO_PORT, IPERF_PORT, HAP_IPERF_PORT, KERNEL_IPERF_PORT):
            if not self.lab.wait_listen(self.lab.srv, port, 5):
                logs = "".join(p.read_text(errors="replace") for p in sorted(self.res.glob("*.log")))
                raise Failure(f"servers did not start: {logs}")
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        self.hard_nofile = 1048576 if hard == resource.RLIM_INFINITY else hard
        # A proxied connection holds 2 descriptors in the proxy: a hard limit of 20,000 (root cannot raise it in its
        # container) leaves room for ~9,800 of them, so the idle target is cut to what fits.
        self.maxconn = min((self.hard_nofile - 800) // 2, o.idle_target + 600)
        fits = (self.hard_nofile - 1000) // 2 // 500 * 500
        self.idle_limited_by = None
        if o.idle_target > fits:
            log(f"idle connections: {o.idle_target} asked, {fits} fit in the hard open-files limit of "
                f"{self.hard_nofile} (2 per proxied connection)")
            self.idle_limited_by = (f"the hard open-files limit of {self.hard_nofile} (`ulimit -Hn`; 2 descriptors per "
                                    f"proxied connection) leaves room for {fits} of the {o.idle_target} asked")
            o.idle_target = fits
        self.tproxy.install(self.maxconn)
        self.build = self.tproxy.build()
        self.haproxy = Haproxy(self.work, self.lab, self.procs, self.res, self.maxconn)
        self.lineup = Lineup(self.rules, self.haproxy, self.tproxy)
        self.counted = Counted(self.lineup)
        self.workloads = Workloads(o, self.lab, self.procs, self.results, self.lineup, self.counted, self.bin,
                                   self.res)

    def measure_rounds(self):
        o = self.opts
        for r in range(1, o.rounds + 1):
            for peer in round_order(o.peers, r):
                log(f"round {r}: {peer}")
                pid = self.lineup.peer_up(peer)
                self.workloads.warm_up(peer, paired=False)
                if o.runs("idle"):
                    self.workloads.idle(r, peer, pid, lambda p: profiles.java_heap_kb(self.jcmd, p))
                if r == o.rounds and peer == "tproxy" and o.alloc:
                    self.alloc = profiles.alloc_check(self, r, pid)
                if r == o.rounds and peer != "kernel" and o.perf:
                    self.perf.extend(profiles.perf_profile(self, peer, pid))
                self.lineup.peer_down(peer)

    def measure_paired(self):
        """Bulk and short connections: every peer up at once, measured in turn, slice after slice. The machine's
        speed drifts over seconds to minutes: peers measured minutes apart see different machines; within a slice
        they meet the same one, and the median over slices leaves the disturbed slices out."""
        o = self.opts
        log(f"bulk and short connections: {','.join(o.peers)} up at once")
        self.lineup.paired_up(o.peers)
        for peer in o.peers:   # the same warm-up for every peer (JIT, caches)
            self.workloads.warm_up(peer, paired=True)
        if o.runs("logcost"):   # and for tproxy's access log, whose code would otherwise compile while measured
            self.tproxy.log_connections("all")
            self.workloads.conn_load(RR_PORT, o.conn_warm_seconds)
            self.tproxy.log_connections(TPROXY_LOG_CONNECTIONS)
        self.counted.reset()
        if o.runs("bulk"):
            for s in range(1, o.bulk_slices + 1):
                log(f"bulk: slice {s} of {o.bulk_slices}")
                for key in ("c2s_1", "s2c_1", "c2s_8", "s2c_8"):
                    for peer in slice_order(o.peers, s):
                        self.workloads.bulk(s, peer, key)
                self.workloads.bulk_slice_totals(s)
        if o.runs("conn") or o.runs("logcost"):
            for s in range(1, o.slices + 1):
                log(f"short connections: slice {s} of {o.slices}")
                for variant in ("many", "one", "http128", "http16k") if o.runs("conn") else ():
                    for peer in slice_order(o.peers, s):
                        self.workloads.conn(s, peer, variant)
                if o.runs("logcost"):
                    for setting in logcost_order(s):
                        self.tproxy.log_connections(setting)
                        self.workloads.logcost(s, setting)
                    self.tproxy.log_connections(TPROXY_LOG_CONNECTIONS)
        self.lineup.paired_down()

    def machine(self):
        cpu = ""
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(": ", 1)[1].strip()
                    break
        return document.Machine(sysstat.NCPU, cpu, platform.release(), _first_line(["java", "-version"]),
                                _first_line(["haproxy", "-v"]), _first_line(["iperf3", "--version"]),
                                self.hard_nofile, self.build)

    def report(self, elapsed):
        o, res = self.opts, self.results
        print()
        print(report.table_text(res.records, o.peers, o.idle_target))
        for line in report.logcost_lines(res.records)[:1]:
            print(line)
        if self.perf:
            print()
            print("\n".join(coretime.tables_md(self.perf)))
        print(flush=True)
        for c in res.failed:
            print(f"CHECK FAILED: {c.index}\t{c.peer}\t{c.what}\tFAILED\t{c.detail}", file=sys.stderr)
        log(f"done in {elapsed}s ({len(res.passed)} checks ok, {len(res.failed)} failed)")
        if o.md is not None:
            text = document.render(document.Run(
                o, self.machine(), res, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), elapsed, self.maxconn,
                self.idle_limited_by, self.tproxy.stats_from == "log", self.alloc,
                self.perf))
            tmp = Path(f"{o.md}.tmp")
            tmp.write_text(text)
            tmp.replace(o.md)
            log(f"wrote {o.md}")

    def run(self):
        o = self.opts
        start = time.time()
        log(f"rounds={o.rounds} bulk-slices={o.bulk_slices} slices={o.slices} bulk={o.bulk_seconds}s "
            f"conn={o.conn_seconds}s concurrency={o.concurrency} idle={o.idle_target} peers={','.join(o.peers)} "
            f"tests={','.join(o.tests)}")
        if o.runs("idle") or o.alloc or o.perf:
            self.measure_rounds()
        if o.runs("bulk") or o.runs("conn") or o.runs("logcost"):
            self.measure_paired()
        self.report(int(time.time() - start))
        return 0 if not self.results.failed and not self.workloads.iperf_failed else 1


def main(argv):
    try:
        opts = options.parse(argv, ROOT)
    except options.UsageError as e:
        print(f"run: {e}", file=sys.stderr)
        if str(e).startswith("unknown option"):
            options.print_help(sys.stderr)
        return 2
    if opts is None:
        options.print_help()
        return 0
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    bench = None
    try:
        bench = Bench(opts)
        bench.setup()
        return bench.run()
    except Stopped as e:
        log(str(e))
        return e.status
    except Failure as e:
        log(f"run: {e}")
        return 1
    except Exception as e:   # a bug or a tool that failed: say where, clean up, exit 1
        import traceback
        traceback.print_exc()
        log(f"run: failed: {e}")
        return 1
    finally:
        if bench is not None:
            signal.signal(signal.SIGINT, signal.SIG_IGN)   # the teardown runs to its end
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            bench.cleanup()
