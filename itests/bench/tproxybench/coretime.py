"""Where the proxy's core spends its time: perf samples split by what ran (the kernel, the proxy's own code, the JVM,
JNA, libc), turned into time per connection or per GB, with the system calls made per connection or per GB."""
import re
from dataclasses import dataclass, field

IDLE_SYMBOLS = re.compile(r"pv_native_safe_halt|default_idle|cpuidle|intel_idle|acpi_idle|poll_idle")

KERNEL = "kernel"
OWN_CODE = "the proxy's own code"
JVM = "JVM (interpreter, JIT compiler, GC)"
JNA = "JNA's native call layer"
LIBC = "libc"
OTHER = "other"
CATEGORIES = (
    (KERNEL, re.compile(r"^\[kernel")),
    # HAProxy's binary; tproxy's Java code once compiled (perf names JIT code "[JIT] tid N" or perf-PID.map)
    (OWN_CODE, re.compile(r"^haproxy$|^\[JIT\]|^perf-[0-9]+\.map$")),
    (JVM, re.compile(r"^libjvm\.so$")),
    (JNA, re.compile(r"^libjnidispatch\.so$|^libffi")),
    (LIBC, re.compile(r"^libc\.so|^libm\.so|^ld-linux|^\[vdso\]$")),
)
ORDER = tuple(name for name, _ in CATEGORIES) + (OTHER,)


# Code in the JIT's address range that is the JVM's own: the template interpreter, stubs and adapters.
JVM_CODE = re.compile(r"^(\[\.\] )?(Interpreter|StubRoutines|I2C/C2I adapters|.*[Ss]tub\b)")


def category(dso, symbol=""):
    if JVM_CODE.search(symbol):
        return JVM
    for name, pattern in CATEGORIES:
        if pattern.search(dso):
            return name
    return OTHER


def split(samples, top=10):
    """(category -> share of the busy samples, [(share, dso, symbol)] of the busiest symbols outside the kernel).
    samples: [(percent, dso, symbol)] of every sample on the core; the idle loop is left out."""
    busy = [(pct, dso, sym) for pct, dso, sym in samples if not IDLE_SYMBOLS.search(sym)]
    total = sum(pct for pct, _, _ in busy)
    shares = dict.fromkeys(ORDER, 0.0)
    if total <= 0:
        return shares, []
    for pct, dso, sym in busy:
        shares[category(dso, sym)] += pct / total
    user = sorted(((pct / total, dso, sym) for pct, dso, sym in busy if category(dso, sym) != KERNEL), reverse=True)
    return shares, user[:top]


@dataclass
class CoreProfile:
    """One proxy under one load: core-0 busy time over the units of work done (connections, or GB received)."""
    peer: str
    load: str          # "conn" (short connections, many clients) or "c2s" (bulk, 1 stream client to server)
    units: float
    busy_us: float
    shares: dict
    user_top: list
    syscalls: dict = field(default_factory=dict)   # name -> calls per unit, from a window of its own

    def per_unit_us(self, what=None):
        """Core-0 µs per unit: all of it, or the part in one category."""
        if self.units <= 0:
            return 0.0
        whole = self.busy_us / self.units
        return whole if what is None else whole * self.shares.get(what, 0.0)

    def syscalls_per_unit(self):
        return sum(self.syscalls.values())


PEER_ORDER = {"haproxy": 0, "tproxy": 1}   # as in the results table
LOADS = {
    "conn": ("Short connections, many clients", "per connection", "µs", 1.0),
    "c2s": ("Bulk, 1 stream client→server", "per GB received", "ms", 1000.0),
}


def table_md(profiles, load, top_syscalls=8):
    """The Markdown rows comparing the peers under one load: time by category, then system calls."""
    peers = sorted((p for p in profiles if p.load == load), key=lambda p: PEER_ORDER.get(p.peer, 9))
    if not peers:
        return []
    title, per, unit, scale = LOADS[load]
    names = {"haproxy": "HAProxy", "tproxy": "tproxy"}
    head = f"| {title}: {per} | " + " | ".join(names.get(p.peer, p.peer) for p in peers) + " |"
    rows = [head, "|---|" + "---:|" * len(peers)]

    def row(label, values, fmt):
        rows.append(f"| {label} | " + " | ".join(fmt(v) for v in values) + " |")

    row(f"core-0 busy time ({unit})", [p.per_unit_us() / scale for p in peers], lambda v: f"{v:.1f}")
    for what in ORDER:
        values = [p.per_unit_us(what) / scale for p in peers]
        if any(v >= 0.05 for v in values):
            row(f"… {what} ({unit})", values, lambda v: f"{v:.1f}")
    if any(p.syscalls for p in peers):
        row("system calls", [p.syscalls_per_unit() for p in peers], lambda v: f"{v:.1f}")
        seen = {}
        for p in peers:
            for name, calls in p.syscalls.items():
                seen[name] = max(seen.get(name, 0), calls)
        for name in sorted(seen, key=lambda n: -seen[n])[:top_syscalls]:
            row(f"… {name}", [p.syscalls.get(name, 0.0) for p in peers], lambda v: f"{v:.2f}" if v < 10 else f"{v:.0f}")
    return rows


def tables_md(profiles):
    """Every load's table (table_md), each followed by an empty line."""
    lines = []
    for load in LOADS:
        rows = table_md(profiles, load)
        if rows:
            lines += [*rows, ""]
    return lines


def user_top_text(profile):
    """The busiest symbols outside the kernel, in % of the core's busy time."""
    return [f"{share * 100:6.2f}%  {dso}  {sym}" for share, dso, sym in profile.user_top]
