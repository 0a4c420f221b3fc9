package dev.tproxy.itests.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * native/tproxy-host in the lab's router namespace, with the nftables and the iptables backend: what {@code up}
 * installs, that a second {@code up} changes nothing, and that {@code down} leaves no trace and puts the sysctls
 * back. Only the kernel state is checked here; the proxy tests check that traffic really goes through.
 */
class TproxyHostScriptIT {
    private static final String SCRIPT = Lab.projectRoot().resolve("native/tproxy-host").toString();

    /** The sysctls tproxy-host may change, in a fixed order. */
    private static final List<String> SYSCTLS = List.of(
            "net.ipv4.ip_forward",
            "net.ipv6.conf.all.forwarding",
            "net.ipv4.tcp_early_demux",
            "net.ipv4.conf.all.rp_filter",
            "net.ipv4.conf.default.rp_filter",
            "net.ipv4.conf.all.src_valid_mark",
            "net.ipv4.conf.all.accept_local");

    @Test
    void nftablesBackendUpIsIdempotentAndDownLeavesNoTrace() {
        try (Lab lab = Lab.create()) {
            String rtr = lab.router();
            // Values `up` has to change, so that `down` has something to restore.
            lab.exec(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0", "net.ipv4.tcp_early_demux=1");
            Map<String, String> before = sysctls(lab);
            assertStatus(lab, 3, "--backend", "nft");

            String[] options = {"--backend", "nft", "--port", "9876", "--dports", "80,443,8000-8100", "--upstream-mark", "7"};
            script(lab, "up", options);
            assertStatus(lab, 0, "--backend", "nft");
            assertTrue(Files.isRegularFile(stateFile(lab)), "state file " + stateFile(lab));

            String ruleset = lab.exec(rtr, "nft", "list", "ruleset");
            assertInOrder(ruleset,
                    "table inet tproxy_host {",
                    "type filter hook prerouting priority mangle; policy accept;",
                    "tcp flags != syn / syn,ack socket transparent 1 meta mark set 0x00000001 accept",
                    "meta mark 0x00000007 accept",
                    "fib daddr type local accept",
                    "meta nfproto ipv4 tcp dport { 80, 443, 8000-8100 } tproxy ip to :9876 meta mark set 0x00000001 accept",
                    "meta nfproto ipv6 tcp dport { 80, 443, 8000-8100 } tproxy ip6 to :9876 meta mark set 0x00000001 accept");
            assertRoutingInstalled(lab);
            Map<String, String> up = sysctls(lab);
            assertEquals("1", up.get("net.ipv4.ip_forward"), up::toString);
            assertEquals("1", up.get("net.ipv6.conf.all.forwarding"), up::toString);
            assertEquals("0", up.get("net.ipv4.tcp_early_demux"), up::toString);

            script(lab, "up", options);
            assertEquals(ruleset, lab.exec(rtr, "nft", "list", "ruleset"), "a second up changes the ruleset");
            assertRoutingInstalled(lab);
            assertEquals(up, sysctls(lab));

            script(lab, "down");
            assertStatus(lab, 3, "--backend", "nft");
            assertTrue(lab.exec(rtr, "nft", "list", "ruleset").isBlank(), () -> lab.exec(rtr, "nft", "list", "ruleset"));
            assertNoTrace(lab, before);

            script(lab, "down");
            assertNoTrace(lab, before);
        }
    }

    /**
     * A proxied connection's TIME_WAIT outlives the rules: with early demux back on, a flow that now bypasses the
     * proxy and reuses its 4-tuple would hang for up to 60 s (HardeningIT saw it). down leaves early demux off then.
     */
    @Test
    void downLeavesEarlyDemuxOffWhileTimeWaitSocketsLinger() {
        try (Lab lab = Lab.create()) {
            String rtr = lab.router();
            lab.exec(rtr, "sysctl", "-qw", "net.ipv4.tcp_early_demux=1");
            script(lab, "up", "--backend", "nft", "--port", "9876", "--dports", "80");
            // A connection on the router's loopback that its client closes first: the client's side lingers in TIME_WAIT.
            lab.exec(rtr, "ip", "link", "set", "lo", "up");
            lab.exec(rtr, "python3", "-c", String.join("\n",
                    "import socket",
                    "s = socket.create_server(('127.0.0.1', 0))",
                    "c = socket.create_connection(s.getsockname())",
                    "a, _ = s.accept()",
                    "c.close()",
                    "a.recv(1)",
                    "a.close()"));
            String down = lab.exec(rtr, SCRIPT, "down");
            assertEquals("0", sysctls(lab).get("net.ipv4.tcp_early_demux"), down);
            assertTrue(down.contains("tcp_early_demux stays 0 while"), down);
        }
    }

    @Test
    void iptablesBackendUpIsIdempotentAndDownLeavesNoTrace() {
        try (Lab lab = Lab.create()) {
            String rtr = lab.router();
            // src_valid_mark=1 (as wg-quick leaves it) makes the reverse-path check of a diverted SYN use the TPROXY
            // mark, which finds the local default route: up must then allow local sources and relax strict rp_filter.
            lab.exec(rtr, "sysctl", "-qw", "net.ipv4.ip_forward=0", "net.ipv4.conf.all.src_valid_mark=1",
                    "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.all.accept_local=0");
            Map<String, String> before = sysctls(lab);
            assertStatus(lab, 3, "--backend", "iptables");

            String[] options = {"--backend", "iptables", "--port", "9876", "--dports", "80,443", "--in-iface", "cli0"};
            script(lab, "up", options);
            assertStatus(lab, 0, "--backend", "iptables");

            for (String save : List.of("iptables-save", "ip6tables-save")) {
                String rules = lab.exec(rtr, save, "-t", "mangle");
                assertInOrder(rules,
                        "-A PREROUTING -p tcp -m comment --comment tproxy-host -j TPROXY_INTERCEPT",
                        "-A TPROXY_DIVERT -j MARK --set-xmark 0x1/0xffffffff",
                        "-A TPROXY_DIVERT -j ACCEPT",
                        "-A TPROXY_INTERCEPT -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m socket --transparent -j TPROXY_DIVERT",
                        "-A TPROXY_INTERCEPT -m addrtype --dst-type LOCAL -j RETURN",
                        "-A TPROXY_INTERCEPT -i cli0 -p tcp -m tcp --dport 80 -j TPROXY --on-port 9876",
                        "-A TPROXY_INTERCEPT -i cli0 -p tcp -m tcp --dport 443 -j TPROXY --on-port 9876");
                assertEquals(1, count(rules, "-j TPROXY_INTERCEPT"), rules);
            }
            assertRoutingInstalled(lab);
            Map<String, String> up = sysctls(lab);
            assertEquals("1", up.get("net.ipv4.ip_forward"), up::toString);
            assertEquals("0", up.get("net.ipv4.tcp_early_demux"), up::toString);
            assertEquals("1", up.get("net.ipv4.conf.all.accept_local"), up::toString);
            assertEquals("2", up.get("net.ipv4.conf.all.rp_filter"), up::toString);

            String v4 = lab.exec(rtr, "iptables-save", "-t", "mangle");
            String v6 = lab.exec(rtr, "ip6tables-save", "-t", "mangle");
            script(lab, "up", options);
            assertEquals(withoutComments(v4), withoutComments(lab.exec(rtr, "iptables-save", "-t", "mangle")));
            assertEquals(withoutComments(v6), withoutComments(lab.exec(rtr, "ip6tables-save", "-t", "mangle")));
            assertRoutingInstalled(lab);
            assertEquals(up, sysctls(lab), "a second up must not record its own values as the originals");

            script(lab, "down");
            assertStatus(lab, 3, "--backend", "iptables");
            for (String save : List.of("iptables-save", "ip6tables-save")) {
                String rules = lab.exec(rtr, save);
                assertFalse(rules.contains("TPROXY"), rules);
            }
            // iptables-nft created its mangle tables for us; down removes them again.
            assertTrue(lab.exec(rtr, "nft", "list", "ruleset").isBlank(), () -> lab.exec(rtr, "nft", "list", "ruleset"));
            assertNoTrace(lab, before);
        }
    }

    @Test
    void upWithOtherSettingsReplacesTheOldPiecesAndDownFindsThemWithoutOptions() {
        try (Lab lab = Lab.create()) {
            String rtr = lab.router();
            Map<String, String> before = sysctls(lab);
            script(lab, "up", "--backend", "nft");
            // Another mark, table, rule preference and backend: nothing of the first up may survive.
            script(lab, "up", "--backend", "iptables", "--mark", "2", "--table", "200", "--rule-pref", "200", "--family", "ipv4");
            assertFalse(lab.exec(rtr, "nft", "list", "tables").contains("tproxy_host"));
            assertEquals(List.of("200:\tfrom all fwmark 0x2 lookup 200"), fwmarkRules(lab, "-4"));
            assertEquals(List.of(), fwmarkRules(lab, "-6"));
            assertTrue(lab.tryExec(rtr, "ip", "-4", "route", "show", "table", "100").output().isBlank());
            // status without options reads what up recorded.
            assertStatus(lab, 0);

            // Part of it removed by hand: status says partial.
            lab.exec(rtr, "ip", "-4", "rule", "del", "pref", "200");
            Shell.Result partial = lab.tryExec(rtr, SCRIPT, "status");
            assertEquals(1, partial.exitCode(), partial.output());
            assertTrue(partial.output().contains("MISSING  ip -4 rule pref 200 fwmark 0x2 lookup 200"), partial.output());

            script(lab, "down");
            assertFalse(lab.exec(rtr, "iptables-save").contains("TPROXY"));
            assertNoTrace(lab, before);
        }
    }

    private static String script(Lab lab, String command, String... options) {
        List<String> all = new ArrayList<>(List.of(SCRIPT, command));
        all.addAll(List.of(options));
        return lab.exec(lab.router(), all.toArray(String[]::new));
    }

    private static void assertStatus(Lab lab, int expected, String... options) {
        List<String> all = new ArrayList<>(List.of(SCRIPT, "status"));
        all.addAll(List.of(options));
        Shell.Result result = lab.tryExec(lab.router(), all.toArray(String[]::new));
        assertEquals(expected, result.exitCode(), result.output());
    }

    private static Map<String, String> sysctls(Lab lab) {
        List<String> command = new ArrayList<>(List.of("sysctl", "-n"));
        command.addAll(SYSCTLS);
        List<String> values = lab.exec(lab.router(), command.toArray(String[]::new)).lines().toList();
        assertEquals(SYSCTLS.size(), values.size(), values::toString);
        Map<String, String> result = new LinkedHashMap<>();
        for (int i = 0; i < SYSCTLS.size(); i++) {
            result.put(SYSCTLS.get(i), values.get(i).trim());
        }
        return result;
    }

    private static void assertRoutingInstalled(Lab lab) {
        String rtr = lab.router();
        assertEquals(List.of("9876:\tfrom all fwmark 0x1 lookup 100"), fwmarkRules(lab, "-4"));
        assertEquals(List.of("9876:\tfrom all fwmark 0x1 lookup 100"), fwmarkRules(lab, "-6"));
        assertEquals(List.of("local default dev lo scope host"), routes(lab, "-4", "100"));
        assertEquals(List.of("local default dev lo metric 1024 pref medium"), routes(lab, "-6", "100"));
    }

    /** After down: no rules, no routes in the table, no state file, sysctls as they were before up. */
    private static void assertNoTrace(Lab lab, Map<String, String> sysctlsBefore) {
        assertEquals(List.of(), fwmarkRules(lab, "-4"));
        assertEquals(List.of(), fwmarkRules(lab, "-6"));
        assertEquals(List.of(), routes(lab, "-4", "100"));
        assertEquals(List.of(), routes(lab, "-6", "100"));
        assertFalse(Files.exists(stateFile(lab)), "state file left behind: " + stateFile(lab));
        assertEquals(sysctlsBefore, sysctls(lab));
    }

    private static List<String> fwmarkRules(Lab lab, String family) {
        return lab.exec(lab.router(), "ip", family, "rule", "show").lines()
                .filter(line -> line.contains("fwmark"))
                .map(String::strip)
                .toList();
    }

    /** The routes of a table; a table that does not exist (ip exits 2) has none. */
    private static List<String> routes(Lab lab, String family, String table) {
        Shell.Result result = lab.tryExec(lab.router(), "ip", family, "route", "show", "table", table);
        if (result.exitCode() != 0) {
            assertTrue(result.output().contains("does not exist"), result.output());
            return List.of();
        }
        return result.output().lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    /** tproxy-host keeps per-namespace state in /run, which all namespaces share. */
    private static Path stateFile(Lab lab) {
        String inode = lab.exec(lab.router(), "stat", "-L", "-c", "%i", "/proc/self/ns/net").strip();
        return Path.of("/run/tproxy-host", inode + ".state");
    }

    private static void assertInOrder(String text, String... parts) {
        int from = 0;
        for (String part : parts) {
            int at = text.indexOf(part, from);
            assertTrue(at >= 0, () -> "missing (or out of order): " + part + "\nin:\n" + text);
            from = at + part.length();
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    /** iptables-save's "# Generated ... on <date>" lines differ between two runs. */
    private static String withoutComments(String save) {
        return save.lines().filter(line -> !line.startsWith("#")).reduce("", (a, b) -> a + b + "\n");
    }
}
