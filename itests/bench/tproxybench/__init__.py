"""tproxy benchmark: kernel forwarding, HAProxy and tproxy side by side in the lab's namespaces.

Run it through itests/bench/run (see itests/bench/README.md). Modules, one job each:
options (command line), procs (processes started, stopped by PID), lab (namespaces and addresses),
sysstat (CPU and memory readings from /proc), tooloutput (parsing the tools' output), peers (kernel, HAProxy,
tproxy and their rules), workloads (bulk, short connections, idle), profiles (JFR allocation, perf),
results (recorded values and checks), stats (medians, ratios, measuring orders), report (table, Markdown),
bench (the run from start to end).
"""
