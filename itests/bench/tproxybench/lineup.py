"""Which peers are up in the router: one at a time (idle rounds) or all at once (bulk and short connections)."""
from .procs import Failure


class Lineup:
    def __init__(self, rules, haproxy, tproxy):
        self.rules, self.haproxy, self.tproxy = rules, haproxy, tproxy
        self.proxy_pid = None      # the proxy under test in a round (None: kernel)
        self.paired_pid = {}       # proxy -> pid, while all peers are up at once

    @property
    def proxies_up(self):
        return list(self.paired_pid)

    def peer_up(self, peer):
        if peer == "kernel":
            self.rules.down()
            status = self.rules.status()
            if status != 3:
                raise Failure(f"TPROXY rules still present in {self.rules.lab.rtr} (tproxy-host status exit {status})")
            self.proxy_pid = None
        elif peer == "haproxy":
            self.rules.up()
            self.proxy_pid = self.haproxy.start()
        else:
            self.rules.up()
            self.proxy_pid = self.tproxy.start()
        return self.proxy_pid

    def peer_down(self, peer):
        if peer == "haproxy":
            self.haproxy.stop()
        elif peer == "tproxy":
            self.tproxy.stop()
        self.proxy_pid = None

    def paired_up(self, peers):
        for peer in peers:
            if peer == "haproxy":
                self.rules.paired_up()
                self.paired_pid["haproxy"] = self.haproxy.start(paired=True)
            elif peer == "tproxy":
                self.paired_pid["tproxy"] = self.tproxy.start()
        self.rules.up()

    def paired_down(self):
        for peer in list(self.paired_pid):
            self.peer_down(peer)
        self.rules.paired_down()
        self.paired_pid = {}

    def counters(self, peer):
        """(connections, bytes, active) counted by the proxy so far; kernel: zeros."""
        if peer == "haproxy":
            return self.haproxy.counters()
        if peer == "tproxy":
            return self.tproxy.counters()
        return 0, 0, 0


class Counted:
    """What every proxy up counted since the previous measurement: the proxy under test must have counted at least
    the connections and bytes the client saw, every other one nothing."""

    def __init__(self, lineup):
        self.lineup = lineup
        self.seen = {}

    def reset(self):
        self.seen = {p: self.lineup.counters(p)[:2] for p in self.lineup.proxies_up}

    def verify(self, peer, connections, nbytes):
        """-> (ok, detail)"""
        ok = True
        detail = ""
        for p in self.lineup.proxies_up:
            conns, total = self.lineup.counters(p)[:2]
            c0, b0 = self.seen.get(p, (0, 0))
            counted, relayed = conns - c0, total - b0
            self.seen[p] = (conns, total)
            detail += f"; {p} counted {counted}, relayed {relayed} bytes"
            if p == peer:
                ok = ok and counted >= connections and relayed >= nbytes
            else:
                ok = ok and counted == 0
        return ok, detail
