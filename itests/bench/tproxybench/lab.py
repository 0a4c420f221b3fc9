"""The lab's three namespaces (native/lab/lab.sh), their settings and the client's address blocks."""
import os
import random
import time

from .procs import Failure, in_ns, run

CLI_IP = "198.18.1.2"
SRV_IP = "198.18.2.2"
SOURCE_BLOCK = 254            # client addresses per block: a /24 of 198.19.0.0/16, one block per peer and slice
ONE_CLIENT_PORTS = "40000 40999"
FULL_PORTS = "1024 65535"


class Lab:
    def __init__(self, root, peers, blocks_per_peer):
        self.root = root
        self.prefix = f"tpxb{random.randrange(100000)}-"
        self.cli, self.rtr, self.srv = (self.prefix + n for n in ("cli", "rtr", "srv"))
        self.peers = peers
        self.blocks = blocks_per_peer * len(peers)
        if self.blocks > 255:
            raise Failure("too many rounds and slices for the client address blocks (at most 255 per peer, in all)")
        self.is_up = False
        self.ns_inodes = set()

    def up(self, reserved_ports):
        self.is_up = True
        run([str(self.root / "native/lab/lab.sh"), "up", self.prefix])
        for ns in (self.cli, self.rtr, self.srv):
            self.sysctl(ns, "net.ipv4.ip_local_port_range", FULL_PORTS)
        # The proxies' own upstream sockets take ports from that range in the router: keep them off the ports the
        # proxies listen on, or a listener started later (HAProxy's paired one) can find its port taken (EADDRINUSE).
        self.sysctl(self.rtr, "net.ipv4.ip_local_reserved_ports", reserved_ports)
        self.ns_inodes = {os.stat(f"/run/netns/{ns}").st_ino for ns in (self.cli, self.rtr, self.srv)}
        # Client address blocks for the short connections "from many clients", so no measurement meets the
        # TIME_WAIT sockets another one left behind.
        batch = "".join(f"addr add 198.19.{b}.{i}/32 dev eth0\n"
                        for b in range(self.blocks) for i in range(1, SOURCE_BLOCK + 1))
        run(["ip", "-n", self.cli, "-batch", "-"], input=batch)
        run(["ip", "-n", self.rtr, "route", "add", "198.19.0.0/16", "via", CLI_IP, "dev", "cli0"])
        # Early demux off in the router for every peer, as tproxy-host up sets it: otherwise, after a proxy round,
        # forwarded packets that match a lingering TIME_WAIT socket of the proxy are dropped (docs/design.md).
        self.sysctl(self.rtr, "net.ipv4.tcp_early_demux", "0")

    def down(self):
        if self.is_up:
            run([str(self.root / "native/lab/lab.sh"), "down", self.prefix], check=False)
            self.is_up = False

    @staticmethod
    def sysctl(ns, key, value):
        run(in_ns(ns, "sysctl", "-qw", f"{key}={value}"))

    def block_address(self, index, peer):
        """The first address of the block of round (or, past the rounds, slice) index and peer."""
        return f"198.19.{(index - 1) * len(self.peers) + self.peers.index(peer)}.1"

    def wait_listen(self, ns, port, seconds):
        for _ in range(seconds * 10):
            if run(in_ns(ns, "ss", "-Hltn", f"sport = :{port}")).strip():
                return True
            time.sleep(0.1)
        return False

    def established_in_router(self):
        return len(run(in_ns(self.rtr, "ss", "-Htn", "state", "established")).splitlines())

    def wait_router_idle(self, log):
        """Until the router holds no established connection (the proxy closed everything)."""
        for _ in range(150):
            if self.established_in_router() == 0:
                return
            time.sleep(0.1)
        log(f"router still holds {self.established_in_router()} established sockets")

    def syn_retransmits(self):
        """The client's SYN retransmissions so far (TcpExt.TCPSynRetrans)."""
        lines = [l.split() for l in run(in_ns(self.cli, "cat", "/proc/net/netstat")).splitlines()
                 if l.startswith("TcpExt:")]
        return int(lines[1][lines[0].index("TCPSynRetrans")])
