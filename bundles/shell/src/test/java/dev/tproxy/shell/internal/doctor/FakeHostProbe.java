package dev.tproxy.shell.internal.doctor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** A host made of strings: files by path, command outputs by command line. Unknown commands are "not installed". */
final class FakeHostProbe implements HostProbe {
    static final String NFT_RULESET = """
            table inet tproxy_host {
            	comment "managed by tproxy-host: 'tproxy-host down' deletes this table"
            	chain prerouting {
            		type filter hook prerouting priority mangle; policy accept;
            		tcp flags != syn / syn,ack socket transparent 1 meta mark set 0x00000001 accept comment "packets of the proxy's connections, replies to its spoofed upstream sockets"
            		fib daddr type local accept comment "traffic for the router itself is never diverted"
            		meta nfproto ipv4 iifname "cli0" tcp dport { 80, 443 } tproxy ip to :9876 meta mark set 0x00000001 accept
            		meta nfproto ipv4 iifname "cli0" tcp dport { 80, 443 } reject with tcp reset comment "fail closed: no transparent listener took it"
            		meta nfproto ipv6 iifname "cli0" tcp dport { 80, 443 } tproxy ip6 to :9876 meta mark set 0x00000001 accept
            		meta nfproto ipv6 iifname "cli0" tcp dport { 80, 443 } reject with tcp reset comment "fail closed: no transparent listener took it"
            	}
            }
            """;

    final Map<String, String> files = new HashMap<>();
    final Map<String, ExecResult> commands = new HashMap<>();
    final List<String> ran = new ArrayList<>();

    /** A router set up the way {@code native/tproxy-host up} leaves it, with the proxy holding CAP_NET_ADMIN. */
    static FakeHostProbe healthy() {
        FakeHostProbe host = new FakeHostProbe();
        host.sysctl("net.ipv4.ip_forward", "1").sysctl("net.ipv6.conf.all.forwarding", "1")
                .sysctl("net.ipv4.tcp_early_demux", "0").sysctl("net.ipv4.conf.all.accept_local", "0")
                .sysctl("net.ipv4.conf.all.rp_filter", "0");
        for (String iface : List.of("all", "default", "lo", "cli0", "srv0")) {
            host.sysctl("net.ipv4.conf." + iface + ".src_valid_mark", "0");
            host.sysctl("net.ipv4.conf." + iface + ".rp_filter", iface.equals("cli0") ? "1" : "0");
        }
        host.file("/proc/sys/kernel/osrelease", "6.18.44\n");
        host.file("/proc/self/status", "Name:\tjava\nCapInh:\t0000000000000000\nCapEff:\t0000000000003000\n");
        host.file("/proc/self/limits", "Limit                     Soft Limit           Hard Limit           Units     \n"
                + "Max open files            65536                65536                files     \n");
        host.command("nft list ruleset", ExecResult.success(NFT_RULESET));
        host.command("iptables-save", ExecResult.success(""));
        host.command("ip6tables-save", ExecResult.success(""));
        for (int family : List.of(4, 6)) {
            host.command("ip -N -" + family + " rule show", ExecResult.success("0:\tfrom all lookup 255\n"
                    + "9876:\tfrom all fwmark 0x1 lookup 100\n32766:\tfrom all lookup 254\n"));
        }
        host.command("ip -4 route show table 100", ExecResult.success("local default dev lo scope host \n"));
        host.command("ip -6 route show table 100", ExecResult.success("local default dev lo metric 1024 pref medium\n"));
        return host;
    }

    FakeHostProbe file(String path, String content) {
        files.put(path, content);
        return this;
    }

    FakeHostProbe sysctl(String name, String value) {
        return file("/proc/sys/" + name.replace('.', '/'), value + "\n");
    }

    FakeHostProbe command(String line, ExecResult result) {
        commands.put(line, result);
        return this;
    }

    @Override
    public Optional<String> read(String path) {
        return Optional.ofNullable(files.get(path));
    }

    @Override
    public List<String> list(String directory) {
        TreeSet<String> names = new TreeSet<>();
        for (String path : files.keySet()) {
            if (path.startsWith(directory + "/")) {
                names.add(path.substring(directory.length() + 1).split("/")[0]);
            }
        }
        return List.copyOf(names);
    }

    @Override
    public ExecResult run(Duration timeout, String... command) {
        String line = String.join(" ", command);
        ran.add(line);
        return commands.getOrDefault(line, ExecResult.notRun(command[0] + ": not installed"));
    }
}
