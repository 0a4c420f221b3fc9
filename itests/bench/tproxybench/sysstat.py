"""Readings from /proc: CPU time of cores and processes, memory of a process, kernel slab memory."""
import glob
import os
import re
import time
from dataclasses import dataclass

HZ = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count()

# The caches of a connection's own objects: TCP sockets (and their request, TIME_WAIT and buffer objects), socket
# inodes, files, epoll items. The whole-machine sum also moves with caches that have nothing to do with the proxy
# (proc inodes and dentries that any look into /proc/PID/fd creates, one per descriptor), by more than the two
# proxies differ.
SOCKET_CACHES = re.compile(r"^(TCP|TCPv6|request_sock_TCP|request_sock_TCPv6|tw_sock_TCP|tw_sock_TCPv6|"
                           r"sock_inode_cache|filp|eventpoll_epi|eventpoll_pwq|lsm_file_cache|skbuff_head_cache|"
                           r"skbuff_fclone_cache)$")


def _stat_fields(text):
    """The fields of /proc/PID/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime."""
    return text[text.rindex(") ") + 2:].split()


def proc_cpu(pid):
    """utime+stime ticks of pid (0 if gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = _stat_fields(f.read())
    except (OSError, ValueError):
        return 0
    return int(fields[11]) + int(fields[12])


def foreign_ticks(our_ns_inodes):
    """pid -> user+sys ticks of every user-space process outside the benchmark's namespaces (other test runs, the
    machine's own services): how much of the machine something else took. Kernel threads (ksoftirqd does our
    softirq work under load) and this process are left out."""
    ticks = {}
    me = os.getpid()
    for d in glob.glob("/proc/[0-9]*"):
        pid = int(d[6:])
        if pid in (me, 2):
            continue
        try:
            if os.stat(f"{d}/ns/net").st_ino in our_ns_inodes:
                continue
            with open(f"{d}/stat") as f:
                fields = _stat_fields(f.read())
        except (OSError, ValueError):
            continue
        if fields[1] == "2":
            continue
        ticks[pid] = int(fields[11]) + int(fields[12])
    return ticks


@dataclass
class Snapshot:
    t: float
    core0_busy: int
    core1_busy: int
    all_busy: int
    proxy: int
    foreign: dict


@dataclass
class Delta:
    elapsed: float
    core0_s: float
    core1_s: float
    all_s: float
    proxy_s: float
    other_pct: float   # per process present at the end: a lower bound (processes that ended within are missed)


def cpu_busy(stat_text):
    """cpuN -> non-idle ticks (user, nice, system, irq, softirq, steal) from /proc/stat."""
    busy = {}
    for line in stat_text.splitlines():
        f = line.split()
        if f and re.fullmatch(r"cpu[0-9]+", f[0]):
            v = [int(x) for x in f[1:9]]
            busy[f[0]] = v[0] + v[1] + v[2] + v[5] + v[6] + v[7]
    return busy


def snap(proxy_pid, our_ns_inodes):
    t = time.time()
    proxy = proc_cpu(proxy_pid) if proxy_pid else 0
    foreign = foreign_ticks(our_ns_inodes)
    with open("/proc/stat") as f:
        busy = cpu_busy(f.read())
    return Snapshot(t, busy.get("cpu0", 0), busy.get("cpu1", 0), sum(busy.values()), proxy, foreign)


def delta(a, b, hz=HZ, ncpu=NCPU):
    other = sum(d for d in (ticks - a.foreign.get(pid, 0) for pid, ticks in b.foreign.items()) if d > 0)
    elapsed = b.t - a.t
    return Delta(round(elapsed, 3), round((b.core0_busy - a.core0_busy) / hz, 3),
                 round((b.core1_busy - a.core1_busy) / hz, 3), round((b.all_busy - a.all_busy) / hz, 3),
                 round((b.proxy - a.proxy) / hz, 3), round(other / hz / (elapsed * ncpu) * 100, 1))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def slab_kb(pattern=None, text=None):
    """Kernel memory in use: active objects x object size over the slab caches (whose name matches pattern).
    Meminfo's Slab: counts whole slab pages, free objects included, so it depends on what ran before."""
    if text is None:
        with open("/proc/slabinfo") as f:
            text = f.read()
    total = 0
    for line in text.splitlines()[2:]:
        f = line.split()
        if len(f) > 3 and (pattern is None or pattern.search(f[0])):
            total += int(f[1]) * int(f[3])
    return total // 1024
