"""The results as text: the table printed at the end, and the Markdown report (docs/benchmark.md)."""
from collections import namedtuple

from . import coretime
from .peers import PROXY_CPU
from .stats import median, metric_ratio_median, ratio_median

Metric = namedtuple("Metric", "key label decimals up vs_kernel")
NAMES = {"kernel": "kernel", "haproxy": "HAProxy", "tproxy": "tproxy"}


def _http_rows(key, response):
    """The rows of one HTTP-like workload (conn_load's REQ:RESP requests)."""
    return [
        (f"{key}_rate", f"HTTP-like: 50-B request, {response} response, server closes (conn/s)", 0, True, True),
        (f"{key}_p50", "… latency to the last byte p50 (µs)", 0, False, True),
        (f"{key}_p99", "… latency to the last byte p99 (µs)", 0, False, True),
        (f"{key}_errors", "… errors", 0, False, False),
        (f"{key}_core0_us", "… core-0 CPU per connection (µs)", 1, False, False),
    ]


def metrics(idle_target):
    m = [
        ("c2s_1_gbps", "Bulk client→server, 1 stream (Gbit/s)", 2, True, True),
        ("s2c_1_gbps", "Bulk server→client, 1 stream (Gbit/s)", 2, True, True),
        ("c2s_8_gbps", "Bulk client→server, 8 streams (Gbit/s)", 2, True, True),
        ("s2c_8_gbps", "Bulk server→client, 8 streams (Gbit/s)", 2, True, True),
        ("c2s_1_core0", "Core-0 CPU s/GB, c2s 1 stream", 3, False, False),
        ("s2c_1_core0", "Core-0 CPU s/GB, s2c 1 stream", 3, False, False),
        ("c2s_8_core0", "Core-0 CPU s/GB, c2s 8 streams", 3, False, False),
        ("s2c_8_core0", "Core-0 CPU s/GB, s2c 8 streams", 3, False, False),
        ("bulk_core0", "Core-0 CPU s/GB, all bulk runs", 3, False, False),
        ("bulk_all", "All cores CPU s/GB, all bulk runs", 3, False, True),
        ("bulk_proxy", "Proxy process CPU s/GB (user+sys), all bulk runs", 3, False, False),
        ("conn_rate", "Short connections, many clients (conn/s)", 0, True, True),
        ("conn_p50", "… latency p50 (µs)", 0, False, True),
        ("conn_p99", "… latency p99 (µs)", 0, False, True),
        ("conn_errors", "… errors", 0, False, False),
        ("conn_synretrans", "… client SYNs retransmitted (% of connections)", 1, False, False),
        ("conn1_rate", "Short connections, one client, ports reused (conn/s)", 0, True, True),
        ("conn1_p50", "… latency p50 (µs)", 0, False, True),
        ("conn1_p99", "… latency p99 (µs)", 0, False, True),
        ("conn1_errors", "… errors", 0, False, False),
        ("conn1_synretrans", "… client SYNs retransmitted (% of connections)", 1, False, False),
        ("conn_core0_us", "Core-0 CPU per connection (µs)", 1, False, False),
        ("conn_proxy_us", "Proxy process CPU per connection (µs)", 1, False, False),
        *_http_rows("http128", "128-B"),
        *_http_rows("http16k", "16-KiB"),
        ("logall_rate", "Short connections, tproxy's access log as shipped, log.connections=all (conn/s)", 0, True,
         False),
        ("lognone_rate", "… the same slices with log.connections=none (conn/s)", 0, True, False),
        ("logall_core0_us", "… core-0 CPU per connection, log.connections=all (µs)", 1, False, False),
        ("lognone_core0_us", "… core-0 CPU per connection, log.connections=none (µs)", 1, False, False),
        ("idle_established", f"Idle connections established (of {idle_target})", 0, True, True),
        ("idle_setup_s", "Seconds to establish them", 2, False, True),
        ("idle_rss0_mb", "Proxy RSS before (MB)", 1, False, False),
        ("idle_rss1_mb", "Proxy RSS with the idle connections (MB)", 1, False, False),
        ("idle_rss_kb", "Proxy RSS per idle connection (KB)", 2, False, False),
        ("idle_heap_kb", "Java heap (live, after full GC) per idle connection (KB)", 2, False, False),
        ("idle_slab_kb", "Kernel memory (slab objects) per idle connection, whole machine (KB)", 2, False, True),
        ("idle_sockslab_kb", "… of which connection objects: sockets, inodes, files, epoll items, skbs (KB)", 2, False,
         True),
        ("other_pct", "CPU of other processes during a test (% of all cores; round table: the worst test)", 1, False,
         False),
    ]
    return [Metric(*x) for x in m]


def _num(x, decimals):
    return "–" if x is None else f"{x:.{decimals}f}"


def _ratio(x):
    return "–" if x is None else f"{x:.2f}×"


def _ratio_pairs(peers):
    """The ratio columns the peers allow: (a, b) for a/b."""
    return [(a, b) for a, b in (("tproxy", "kernel"), ("tproxy", "haproxy"), ("haproxy", "kernel"))
            if a in peers and b in peers]


def table_rows(records, peers, idle_target):
    """(label, [median per peer], [ratio per ratio column]) for every metric with a value, as text."""
    by = {}
    for r in records:
        by.setdefault((r.peer, r.metric), []).append(r.value)
    rows = []
    for m in metrics(idle_target):
        if not any((p, m.key) in by for p in peers):
            continue
        cells = [_num(median(by.get((p, m.key), [])), m.decimals) for p in peers]
        ratios = []
        for a, b in _ratio_pairs(peers):
            meaningful = m.vs_kernel if b == "kernel" else (
                m.key != "other_pct" and not m.key.endswith(("_synretrans", "_errors")))
            ratios.append(_ratio(ratio_median(records, m.key, a, b)) if meaningful else "–")
        rows.append((m.label + (" ↑" if m.up else " ↓"), cells, ratios))
    return rows


def table_text(records, peers, idle_target):
    pairs = _ratio_pairs(peers)
    head = f"{'metric':<56}" + "".join(f"{NAMES[p]:>12}" for p in peers) \
        + "".join(f"{NAMES[a] + '/' + NAMES[b]:>15}" for a, b in pairs)
    lines = [head]
    for label, cells, ratios in table_rows(records, peers, idle_target):
        lines.append(f"{label:<56}" + "".join(f"{c:>12}" for c in cells) + "".join(f"{r:>15}" for r in ratios))
    return "\n".join(lines)


def table_md(records, peers, idle_target):
    pairs = _ratio_pairs(peers)
    lines = ["| Metric |" + "".join(f" {NAMES[p]} |" for p in peers) + "".join(
        f" {NAMES[a]}/{NAMES[b]} |" for a, b in pairs),
             "|---|" + "---:|" * (len(peers) + len(pairs))]
    for label, cells, ratios in table_rows(records, peers, idle_target):
        lines.append(f"| {label} |" + "".join(f" {c} |" for c in cells + ratios))
    return "\n".join(lines)


def _short(x):
    return f"{x:.0f}" if abs(x) >= 100 else f"{x:.3g}"


def per_round_md(records, idle_target):
    """Every value of every round (slice), for the record; other processes' CPU: the worst test of each."""
    values = {}
    worst = {}
    for r in records:
        if r.metric == "other_pct":
            k = (r.index, r.peer)
            worst[k] = max(worst.get(k, r.value), r.value)
        else:
            values.setdefault((r.metric, r.peer), []).append(_short(r.value))
    for (index, peer) in sorted(worst):
        values.setdefault(("other_pct", peer), []).append(_short(worst[index, peer]))
    lines = ["| Metric | kernel | HAProxy | tproxy |", "|---|---|---|---|"]
    for m in metrics(idle_target):
        cells = [", ".join(values.get((m.key, p), [])) for p in ("kernel", "haproxy", "tproxy")]
        if any(cells):
            lines.append(f"| {m.label} | {cells[0]} | {cells[1]} | {cells[2]} |")
    return "\n".join(lines)


def logcost_lines(records):
    """The access log's cost: tproxy with log.connections=all (as shipped) over none, A/B in the same slices."""
    rate = metric_ratio_median(records, "tproxy", "logall_rate", "lognone_rate")
    if rate is None:
        return []
    cpu = metric_ratio_median(records, "tproxy", "logall_core0_us", "lognone_core0_us")
    return [f"Access log cost: tproxy with log.connections=all (as shipped) over none, in the same slices: "
            f"short-connection rate {_ratio(rate)}, core-0 CPU per connection {_ratio(cpu)} "
            f"(medians of per-slice ratios).", ""]


def notes_md(records):
    """Remarks that only appear when the data call for them."""
    syn = max([r.value for r in records if r.metric == "conn1_synretrans" and r.peer != "kernel"] + [0])
    if syn <= 10:
        return []
    return [
        f"**Note — one client, ports reused:** up to {int(syn)} % of the client's SYNs through a proxy were retransmitted.",
        "A proxy closes its client-side socket first when the server does, so the router keeps that socket in",
        "TIME_WAIT. A new SYN with the same 4-tuple must reach the `tproxy` rule, which ends the TIME_WAIT and hands it",
        "to the listener; a `socket transparent` rule that also takes SYNs (TIME_WAIT sockets of a transparent socket",
        "count as transparent) delivers it to the TIME_WAIT socket instead, which answers with a stale ACK, and the",
        "client resets and retransmits the SYN. `tproxy-host` leaves SYNs out of that rule: check the rules in the router",
        "(`tproxy:doctor` warns about such a rule).",
        "",
    ]


def alloc_md(bulk, conn, conn_seconds):
    """The JFR allocation check (profiles.AllocWindow of the bulk and the short-connection run), or nothing."""
    if bulk is None:
        return []
    loop = sum(b for t, b in bulk.threads if t.startswith("tproxy-loop"))
    everything = sum(b for _, b in bulk.threads)
    per_gb = loop / (bulk.bytes / 1e9) if bulk.bytes > 0 else 0
    out = [
        "### Allocation on the hot path (tproxy, JFR)",
        "",
        "A JFR recording (`jdk.ThreadAllocationStatistics` at the start and end of the recording,",
        "`jdk.ObjectAllocationSample`, `jdk.NativeMethodSample`) attached with `jcmd JFR.start` to the runtime of the last",
        "round, around two extra 1-stream bulk runs (client→server, then server→client) that are not part of the table.",
        "",
        f"- relayed: {bulk.bytes} bytes in {bulk.connections} connections",
        f"- allocated by the `tproxy-loop-*` threads: **{loop} bytes** = **{per_gb:.0f} bytes per GB relayed**",
        "  (it includes per-connection work: accept, the Relay objects, the `connection N closed` log line)",
        f"- allocated by the whole JVM in the same window: {everything} bytes; garbage collections: {bulk.gcs}",
    ]
    if conn is not None:
        cloop = sum(b for t, b in conn.threads if t.startswith("tproxy-loop"))
        call = sum(b for _, b in conn.threads)
        n = conn.connections
        out += [
            "",
            f"For comparison, per connection (a short-connection run of {conn_seconds} s, {n} connections):",
            f"{(cloop / n if n else 0):.0f} bytes per connection on the event loop,",
            f"{(call / n if n else 0):.0f} bytes per connection in the whole JVM; garbage collections: {conn.gcs}.",
            "",
            "Threads that allocated most during the short-connection run (bytes):",
            "",
            "```",
            *[f"{t}\t{b}" for t, b in conn.threads[:6]],
            "```",
        ]
    out += ["", "Where the event loop allocated during the bulk runs (sampled weight, class, top frames):", "", "```"]
    out += [f"{w}\t{c}\t{f}" for w, c, f in bulk.sites] or ["(no allocation sample on the event loop)"]
    out += ["```", "", "Event loop stack samples during the bulk runs (count, top frames):", "", "```"]
    out += [f"{n:7d} {f}" for f, n in bulk.hot]
    out += ["```", ""]
    return out


def perf_md(profiles):
    """Where core 0's time goes under each proxy (perf): time by category and system calls, per connection or GB."""
    if not profiles:
        return []
    lines = ["### Where the proxy's core spends its time (perf, last round)", "",
             f"One proxy up at a time, the round's lineup. Core {PROXY_CPU}'s busy time (`/proc/stat`) over the work done,",
             "split by where `perf record -C` samples fell (the idle loop left out; softirq work the core did for the",
             "traffic counts as kernel). System calls: `perf trace -s -p PID` in a second window of the same load.", ""]
    lines += coretime.tables_md(profiles)
    for p in sorted(profiles, key=lambda p: (coretime.PEER_ORDER.get(p.peer, 9), p.load)):
        top = coretime.user_top_text(p)
        if top:
            lines += [f"{p.peer}, {coretime.LOADS[p.load][0].lower()}: busiest code outside the kernel "
                      "(% of the core's busy time)", "", "```", *top, "```", ""]
    return lines


def checks_md(checks):
    return [f"- {c.unit} {c.index}, {c.peer}, {c.what}: {'ok' if c.ok else 'FAILED'} — {c.detail}" for c in checks]


def failed_md(checks):
    return [f"- FAILED {c.unit} {c.index} {c.peer} {c.what}: {c.detail}" for c in checks if not c.ok]
