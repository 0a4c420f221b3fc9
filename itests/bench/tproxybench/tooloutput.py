"""Parsing what the tools print: the C load tools' key=value lines, iperf3's JSON, HAProxy's stats CSV,
tproxy's stats JSON or log lines, jcmd's heap summary and JFR's JSON."""
import json
import re
from collections import Counter, defaultdict


def key_values(text):
    """Every key=value token of the text (conn_load, conn_hold), values as strings; the first one wins."""
    out = {}
    for key, value in re.findall(r"(?<![^\s])([A-Za-z0-9_]+)=(\S*)", text):
        out.setdefault(key, value)
    return out


def iperf_received(text):
    """(bytes, bits per second) received, from iperf3 -J; None unless bytes > 0."""
    try:
        received = json.loads(text)["end"]["sum_received"]
    except (ValueError, KeyError, TypeError):
        return None
    return (received["bytes"], received["bits_per_second"]) if received.get("bytes", 0) > 0 else None


def iperf_error(text):
    try:
        return json.loads(text).get("error", "")
    except (ValueError, AttributeError):
        return ""


def haproxy_frontend(csv):
    """(connections, bytes in + out, current) of the FRONTEND row of `show stat`."""
    for line in csv.splitlines():
        f = line.split(",")
        if len(f) > 9 and f[1] == "FRONTEND":
            n = [int(x or 0) for x in (f[7], f[8], f[9], f[4])]
            return n[0], n[1] + n[2], n[3]
    return None


def tproxy_stats(text):
    """(accepted, bytes both ways, active) from `tproxy:stats --json`; None if it is not that."""
    try:
        total = json.loads(text)["total"]
        return total["accepted"], total["bytesFromClient"] + total["bytesFromServer"], total["active"]
    except (ValueError, KeyError, TypeError):
        return None


def tproxy_listener_setting(text, name, field):
    """A field of listener name's settings in force, from `tproxy:listeners --json`; None if it is not there."""
    try:
        for listener in json.loads(text)["listeners"]:
            if listener["name"] == name:
                return listener["settings"].get(field)
    except (ValueError, KeyError, TypeError):
        pass
    return None


def tproxy_log_counters(lines):
    """(connections, bytes, -1) from the relay engine's `connection N closed: ... from-client=B from-server=B` lines."""
    n = b = 0
    for line in lines:
        if re.search(r" connection [0-9]+ closed: ", line):
            n += 1
            b += sum(int(v) for v in re.findall(r"(?<![^\s])from-(?:client|server)=([0-9]+)", line))
    return n, b, -1


def heap_used_kb(text):
    """The sum of the `used NK` figures of jcmd GC.heap_info's generation lines; None without any."""
    total = 0
    for line in text.splitlines():
        if "generation" in line:
            total += sum(int(v) for v in re.findall(r"\bused (\d+)K", line))
    return total or None


# ---- JFR (jfr print --json) ----

def _events(text):
    return json.loads(text)["recording"]["events"]


def _frames(values, n):
    frames = ((values.get("stackTrace") or {}).get("frames") or [])[:n]
    return " < ".join(f"{f['method']['type']['name'].split('/')[-1]}.{f['method']['name']}" for f in frames)


def _thread(values, key):
    return (values.get(key) or {}).get("javaName") or ""


def thread_allocations(text):
    """[(thread, bytes allocated between its first and last ThreadAllocationStatistics event)], most first."""
    by_thread = defaultdict(list)
    for e in _events(text):
        v = e["values"]
        by_thread[(v.get("thread") or {}).get("javaName")].append((v["startTime"], v["allocated"]))
    rows = []
    for name, samples in by_thread.items():
        if len(samples) > 1:
            samples.sort(key=lambda s: s[0])
            rows.append(("null" if name is None else name, samples[-1][1] - samples[0][1]))
    return sorted(rows, key=lambda r: -r[1])


def allocation_sites(text, top=8):
    """[(weight, class, top frames)] of the event loop's allocation samples, heaviest first."""
    weights = Counter()
    for e in _events(text):
        v = e["values"]
        if _thread(v, "eventThread").startswith("tproxy-loop"):
            weights[(v["objectClass"]["name"], _frames(v, 4))] += v["weight"]
    return [(w, c, f) for (c, f), w in sorted(weights.items(), key=lambda kv: -kv[1])][:top]


def hot_stacks(text, top=8):
    """[(count, top frames)] of the event loop's execution and native samples, most first."""
    counts = Counter(_frames(e["values"], 3) for e in _events(text)
                     if _thread(e["values"], "sampledThread").startswith("tproxy-loop"))
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def event_count(text):
    return len(_events(text))


def perf_samples(text):
    """[(percent, dso, symbol)] from `perf report --no-children --sort dso,sym --stdio -t TAB -q`."""
    samples = []
    for line in text.splitlines():
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) == 3 and fields[0].endswith("%"):
            try:
                samples.append((float(fields[0][:-1]), fields[1].strip(), fields[2].strip()))
            except ValueError:
                continue
    return samples


def trace_calls(text):
    """System call name -> calls, summed over every thread of a `perf trace -s` summary."""
    calls = {}
    for line in text.splitlines():
        m = re.match(r"^\s+([a-z_0-9]+)\s+(\d+)(?:\s+\d+)?\s+[0-9.]+\s", line)
        if m and m.group(1) != "syscall":
            calls[m.group(1)] = calls.get(m.group(1), 0) + int(m.group(2))
    return calls
