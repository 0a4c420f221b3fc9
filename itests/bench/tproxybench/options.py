"""The command line of itests/bench/run: options, their defaults (full or --quick run) and their checks."""
import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HELP = """\
itests/bench/run [--quick] [options]

--quick              smoke run, ~1-2 min: 1 round, 2 s per bulk test, 1 slice of bulk and short connections
--rounds N           rounds of idle tests; each measures every peer once                 [3; quick 1]
--bulk-slices N      slices of bulk tests: all peers up at once, measured in turn        [6; quick 1]
--seconds S          seconds per bulk (iperf3) test                                      [8; quick 2]
--slices N           slices of short connections: all peers up at once, measured in turn [12; quick 1]
--conn-seconds S     seconds per short-connection test (4 per peer and slice)            [3; quick 2]
--concurrency C      short connections in flight                                          [32]
--idle N             concurrent idle connections to try                                   [10000]
--peers LIST         comma-separated subset of kernel,haproxy,tproxy                     [all three]
--tests LIST         comma-separated subset of bulk,conn,idle,logcost                     [all four]
                     logcost: in each short-connection slice, tproxy with its access log as shipped
                     (log.connections=all) and with none, switched live, A/B in the same slice
--md FILE            write the Markdown report here ('-': nowhere)  [docs/benchmark.md; quick: nowhere]
--keep DIR           keep raw results (TSV, iperf3 JSON, JFR, perf reports) in DIR
--no-alloc           skip the JFR allocation check of tproxy's event loop
--perf               also profile core 0 with `perf record` (HAProxy and tproxy, last round)

Needs root, iproute2, gcc, python3, nft, iperf3, haproxy (the last three are installed with apt-get if
missing) and a built distribution (distribution/target/tproxy). Everything it starts (namespaces, processes,
rules, temporary files) is torn down on exit, Ctrl-C or failure. Exit status: 0 when every measurement ran and
the traffic of every proxied measurement was counted by the proxy under test; 1 when a check failed (the report
then says which); 2 on bad usage."""

PEERS = ("kernel", "haproxy", "tproxy")
TESTS = ("bulk", "conn", "idle", "logcost")
# The short-connection measurements from many clients, each from address blocks of its own in every slice.
SLICE_BLOCKS = ("many", "http128", "http16k", "logall", "lognone")


class UsageError(Exception):
    """Bad usage: the message is printed with the help text, the exit status is 2."""


@dataclass
class Options:
    quick: bool
    rounds: int
    bulk_slices: int
    slices: int
    bulk_seconds: int
    conn_seconds: int
    concurrency: int
    idle_target: int
    peers: list
    tests: list
    md: Path = None          # None: no report file
    keep: Path = None
    alloc: bool = True
    perf: bool = False
    warm_seconds: int = 3
    conn_warm_seconds: int = 6
    command_line: str = "itests/bench/run"

    def runs(self, test):
        return test in self.tests and (test != "logcost" or "tproxy" in self.peers)

    @property
    def blocks_per_peer(self):
        """Client address blocks a peer needs: one per round, and per slice one for each of SLICE_BLOCKS."""
        return self.rounds + self.slices * len(SLICE_BLOCKS)

    def block(self, kind, s):
        """The address block of a short-connection measurement of this kind in slice s (from 1)."""
        return self.rounds + self.slices * SLICE_BLOCKS.index(kind) + s


class _Parser(argparse.ArgumentParser):
    def error(self, message):   # argparse would print its own usage and exit: ours says it in one line
        raise UsageError(message)


def _parser():
    p = _Parser(prog="run", add_help=False, allow_abbrev=False)
    p.add_argument("-h", "--help", action="store_true")
    p.add_argument("--quick", action="store_true")
    for name in ("--rounds", "--bulk-slices", "--seconds", "--slices", "--conn-seconds", "--concurrency",
                 "--idle", "--peers", "--tests", "--md", "--keep"):
        p.add_argument(name)
    p.add_argument("--no-alloc", action="store_true")
    p.add_argument("--perf", action="store_true")
    return p


def _positive(text):
    if not re.fullmatch(r"[0-9]+", text) or int(text) <= 0:
        raise UsageError(f"not a positive number: {text}")
    return int(text)


def _subset(text, allowed, what):
    items = text.split(",")
    for item in items:
        if item not in allowed:
            hint = "" if what == "peer" else f" ({', '.join(allowed)})"
            raise UsageError(f"unknown {what} {item}{hint}")
    return items


def parse(argv, root):
    """Options from the command line; None when only the help was asked for. Raises UsageError."""
    args, unknown = _parser().parse_known_args(argv)
    if args.help:
        return None
    if unknown:
        raise UsageError(f"unknown option {unknown[0]}")
    q = args.quick

    def number(value, full, quick):
        return _positive(value) if value is not None else (quick if q else full)

    if args.md is None:
        md = None if q else root / "docs" / "benchmark.md"
    else:
        md = None if args.md == "-" else Path(args.md)
    return Options(
        quick=q,
        rounds=number(args.rounds, 3, 1),
        bulk_slices=number(args.bulk_slices, 6, 1),
        slices=number(args.slices, 12, 1),
        bulk_seconds=number(args.seconds, 8, 2),
        conn_seconds=number(args.conn_seconds, 3, 2),
        concurrency=number(args.concurrency, 32, 32),
        idle_target=number(args.idle, 10000, 10000),
        peers=_subset(args.peers or ",".join(PEERS), PEERS, "peer"),
        tests=_subset(args.tests or ",".join(TESTS), TESTS, "test"),
        md=md,
        keep=Path(args.keep) if args.keep else None,
        alloc=not args.no_alloc,
        perf=args.perf,
        warm_seconds=1 if q else 3,
        conn_warm_seconds=5 if q else 6,
        command_line=" ".join(["itests/bench/run", *argv]),
    )


def print_help(stream=sys.stdout):
    print(HELP, file=stream)
