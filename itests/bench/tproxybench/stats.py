"""Medians, per-round (per-slice) ratios and the orders in which the peers are measured."""
import statistics


def median(values):
    values = list(values)
    return statistics.median(values) if values else None


def ratio_median(records, metric, a, b):
    """The median over rounds (slices) of a's value / b's value, each the first of its round; None without any."""
    first = {}
    for r in records:
        if r.metric == metric:
            first.setdefault((r.index, r.peer), r.value)
    indexes = sorted({i for i, _ in first})
    ratios = [first[i, a] / first[i, b] for i in indexes
              if (i, a) in first and (i, b) in first and first[i, b] != 0]
    return median(ratios)


def metric_ratio_median(records, peer, a, b):
    """The median over slices of peer's metric a / its metric b in the same slice; None without any."""
    first = {}
    for r in records:
        if r.peer == peer and r.metric in (a, b):
            first.setdefault((r.index, r.metric), r.value)
    ratios = [first[i, a] / first[i, b] for i in sorted({i for i, _ in first})
              if (i, a) in first and (i, b) in first and first[i, b] != 0]
    return median(ratios)


def logcost_order(s):
    """tproxy's log.connections settings in slice s (from 1): as shipped first in odd slices, last in even ones."""
    return ("all", "none") if s % 2 == 1 else ("none", "all")


def round_order(peers, r):
    """The peers of round r (from 1): the list rotated by one more each round."""
    n = len(peers)
    return [peers[(i + r - 1) % n] for i in range(n)]


def slice_order(peers, s):
    """The peers of slice s (from 1): the slices walk through the rotations of the peer list, then through the
    rotations of its reverse, so every peer comes before every other one in as many slices as after it (a drift
    within a slice favours neither of two peers over 2n slices)."""
    n = len(peers)
    k = s - 1
    order = []
    for i in range(n):
        j = n - 1 - i if (k // n) % 2 == 1 else i
        order.append(peers[(j + k) % n])
    return order
