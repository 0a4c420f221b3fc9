package dev.tproxy.shell.internal.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.api.TrafficCounters;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class DoctorTest {
    private final FakeHostProbe host = FakeHostProbe.healthy();

    static ListenerInfo listener(String name, int port, int maxConnections, String bind, ListenerState state, String error) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("port", String.valueOf(port));
        settings.put("bind.addresses", bind);
        settings.put("source.mode", "client");
        settings.put("max.connections", String.valueOf(maxConnections));
        List<String> bound = List.of(bind.split(",")).stream()
                .map(a -> (a.contains(":") ? "[" + a + "]" : a) + ":" + port).toList();
        return new ListenerInfo(name, "dev.tproxy.listener~" + name, state, bound, settings, error, TrafficCounters.zero());
    }

    private static final List<ListenerInfo> DEFAULT =
            List.of(listener("default", 9876, 10000, "0.0.0.0,::", ListenerState.RUNNING, null));

    private DoctorReport examine() {
        return examine(DoctorSettings.defaults(), DEFAULT);
    }

    private DoctorReport examine(DoctorSettings settings, List<ListenerInfo> listeners) {
        return new Doctor(host).examine(settings, listeners);
    }

    private static CheckResult result(DoctorReport report, String check) {
        return report.results().stream().filter(r -> r.check().equals(check)).findFirst()
                .orElseThrow(() -> new AssertionError("no check '" + check + "' in " + report));
    }

    @Test
    void aHostSetUpByTproxyHostPassesEveryCheck() {
        DoctorReport report = examine();
        assertEquals(Status.OK, report.worst(), () -> report.results().stream().filter(r -> r.status() != Status.OK)
                .map(Object::toString).collect(Collectors.joining("\n")));
        List<String> checks = report.results().stream().map(CheckResult::check).toList();
        assertEquals(List.of("listener default", "IPv4 forwarding", "IPv6 forwarding", "src_valid_mark", "rp_filter",
                "early demux", "TPROXY to :9876", "fail mode", "socket rule", "IPv4 fwmark rule", "IPv4 local route",
                "IPv6 fwmark rule", "IPv6 local route", "capabilities", "open files"), checks);
        report.results().forEach(r -> assertNull(r.fix(), r.check()));
    }

    @Test
    void forwardingOffFailsWithTheSysctlThatFixesIt() {
        host.sysctl("net.ipv4.ip_forward", "0").sysctl("net.ipv6.conf.all.forwarding", "0");
        DoctorReport report = examine();
        assertEquals(Status.FAIL, result(report, "IPv4 forwarding").status());
        assertEquals("sysctl -w net.ipv4.ip_forward=1", result(report, "IPv4 forwarding").fix());
        assertEquals(Status.WARN, result(report, "IPv6 forwarding").status());
        assertEquals("sysctl -w net.ipv6.conf.all.forwarding=1", result(report, "IPv6 forwarding").fix());
    }

    @Test
    void aMissingFwmarkRuleFailsWithTheIpRuleCommand() {
        host.command("ip -N -4 rule show", ExecResult.success("0:\tfrom all lookup 255\n32766:\tfrom all lookup 254\n"));
        CheckResult rule = result(examine(), "IPv4 fwmark rule");
        assertEquals(Status.FAIL, rule.status());
        assertTrue(rule.detail().startsWith("no rule sends fwmark 1 to table 100"), rule.detail());
        assertEquals("ip -4 rule add fwmark 1 lookup 100", rule.fix());
    }

    @Test
    void aRuleForAnotherMarkIsNamedSoTheOperatorCanPointTheDoctorAtIt() {
        host.command("ip -N -4 rule show", ExecResult.success("100:\tfrom all fwmark 0x7 lookup 200\n"));
        CheckResult rule = result(examine(), "IPv4 fwmark rule");
        assertEquals(Status.FAIL, rule.status());
        assertTrue(rule.detail().contains("found fwmark 0x7 lookup 200"), rule.detail());
    }

    @Test
    void markAndTableOptionsAreWhatTheChecksAndFixesUse() {
        host.command("ip -N -4 rule show", ExecResult.success("100:\tfrom all fwmark 0x2 lookup 200\n"));
        host.command("ip -N -6 rule show", ExecResult.success(""));
        host.command("ip -4 route show table 200", ExecResult.success("local default dev lo scope host\n"));
        host.command("ip -6 route show table 200", new ExecResult(2, "", "Error: ipv6: FIB table does not exist.\n"));
        DoctorReport report = examine(DoctorSettings.parse("0x2", "200"), DEFAULT);
        assertEquals(Status.OK, result(report, "IPv4 fwmark rule").status());
        assertEquals(Status.OK, result(report, "IPv4 local route").status());
        assertEquals("ip -6 rule add fwmark 2 lookup 200", result(report, "IPv6 fwmark rule").fix());
        assertEquals("ip -6 route add local ::/0 dev lo table 200", result(report, "IPv6 local route").fix());
        CheckResult tproxy = result(report, "TPROXY to :9876");
        assertEquals(Status.FAIL, tproxy.status(), "the nft rules set mark 1, not 2");
        assertEquals("native/tproxy-host up --port 9876 --mark 2 --table 200", tproxy.fix());
    }

    @Test
    void aMissingRoutingTableFailsWithTheRouteCommand() {
        host.command("ip -6 route show table 100", new ExecResult(2, "", "Error: ipv6: FIB table does not exist.\n"));
        CheckResult route = result(examine(), "IPv6 local route");
        assertEquals(Status.FAIL, route.status());
        assertEquals("ip -6 route add local ::/0 dev lo table 100", route.fix());
    }

    @Test
    void noTproxyRuleForTheListenersPortFailsWithTheHostScript() {
        host.command("nft list ruleset", ExecResult.success(FakeHostProbe.NFT_RULESET.replace(":9876", ":9000")));
        CheckResult tproxy = result(examine(), "TPROXY to :9876");
        assertEquals(Status.FAIL, tproxy.status());
        assertTrue(tproxy.detail().contains("no IPv4 or IPv6 rule diverts traffic to listener 'default' on :9876"),
                tproxy.detail());
        assertEquals("native/tproxy-host up --port 9876", tproxy.fix());
    }

    @Test
    void iptablesRulesAreFoundThroughIptablesSave() {
        // With iptables-nft, nft shows the rule as "xt target TPROXY", without its port.
        host.command("nft list ruleset", ExecResult.success("table ip mangle {\n\tchain TPROXY_INTERCEPT {\n"
                + "\t\tiifname \"cli0\" tcp dport 80 counter packets 0 bytes 0 xt target TPROXY\n\t}\n}\n"));
        String rules = "*mangle\n-A TPROXY_DIVERT -j MARK --set-xmark 0x1/0xffffffff\n"
                + "-A TPROXY_INTERCEPT -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -m socket --transparent -j TPROXY_DIVERT\n"
                + "-A TPROXY_INTERCEPT -i cli0 -p tcp -m tcp --dport 80 -j TPROXY --on-port 9876 --on-ip %s "
                + "--tproxy-mark 0x1/0xffffffff\nCOMMIT\n";
        host.command("iptables-save", ExecResult.success(rules.formatted("0.0.0.0")));
        host.command("ip6tables-save", ExecResult.success(rules.formatted("::")));
        DoctorReport report = examine();
        assertEquals(Status.OK, result(report, "TPROXY to :9876").status(), result(report, "TPROXY to :9876").detail());
        assertEquals(Status.OK, result(report, "socket rule").status());
    }

    @Test
    void failingClosedIsSaidAndFailingOpenIsAWarning() {
        CheckResult closed = result(examine(), "fail mode");
        assertEquals(Status.OK, closed.status(), closed.detail());
        assertTrue(closed.detail().contains("refused (IPv4 reset, IPv6 reset)"), closed.detail());
        host.command("nft list ruleset", ExecResult.success(FakeHostProbe.NFT_RULESET.lines()
                .filter(line -> !line.contains("reject")).collect(Collectors.joining("\n"))));
        CheckResult open = result(examine(), "fail mode");
        assertEquals(Status.WARN, open.status());
        assertTrue(open.detail().startsWith("open for IPv4 and IPv6: "), open.detail());
        assertEquals("native/tproxy-host up --port 9876 --fail closed", open.fix());
    }

    @Test
    void aSocketRuleThatAlsoTakesSynsIsAWarning() {
        // The kernel documentation's rule, as older tproxy-host versions installed it.
        host.command("nft list ruleset", ExecResult.success(FakeHostProbe.NFT_RULESET.replace(
                "tcp flags != syn / syn,ack socket transparent 1", "meta l4proto tcp socket transparent 1")));
        CheckResult socket = result(examine(), "socket rule");
        assertEquals(Status.WARN, socket.status(), socket.detail());
        assertTrue(socket.detail().contains("IPv4 and IPv6 `socket transparent` rule also takes SYNs"), socket.detail());
        assertTrue(socket.fix().startsWith("native/tproxy-host up --port 9876"), socket.fix());
    }

    @Test
    void withoutTheSocketRuleUpstreamConnectsTimeOut() {
        host.command("nft list ruleset", ExecResult.success(FakeHostProbe.NFT_RULESET.lines()
                .filter(line -> !line.contains("socket transparent")).collect(Collectors.joining("\n"))));
        CheckResult socket = result(examine(), "socket rule");
        assertEquals(Status.FAIL, socket.status());
        assertEquals("native/tproxy-host up --port 9876", socket.fix());
    }

    @Test
    void anUnreadableFirewallIsAWarningNotAFailure() {
        host.command("nft list ruleset", new ExecResult(1, "", "Operation not permitted (you must be root)\n"));
        host.commands.remove("iptables-save");
        host.commands.remove("ip6tables-save");
        CheckResult rules = result(examine(), "TPROXY rules");
        assertEquals(Status.WARN, rules.status());
        assertTrue(rules.detail().contains("Operation not permitted"), rules.detail());
    }

    @Test
    void srcValidMarkNeedsAcceptLocalAndNoStrictReversePathFilter() {
        host.sysctl("net.ipv4.conf.wg0.src_valid_mark", "1").sysctl("net.ipv4.conf.wg0.rp_filter", "0");
        DoctorReport report = examine();
        CheckResult validMark = result(report, "src_valid_mark");
        assertEquals(Status.FAIL, validMark.status());
        assertTrue(validMark.detail().contains("wg0"), validMark.detail());
        assertEquals("sysctl -w net.ipv4.conf.all.accept_local=1", validMark.fix());
        CheckResult rpFilter = result(report, "rp_filter");
        assertEquals(Status.FAIL, rpFilter.status(), "cli0 filters strictly");
        assertTrue(rpFilter.detail().contains("cli0"), rpFilter.detail());
        assertEquals("sysctl -w net.ipv4.conf.all.rp_filter=2", rpFilter.fix());

        host.sysctl("net.ipv4.conf.all.accept_local", "1").sysctl("net.ipv4.conf.all.rp_filter", "2");
        assertEquals(Status.OK, result(examine(), "src_valid_mark").status());
        assertEquals(Status.OK, result(examine(), "rp_filter").status());
    }

    @Test
    void earlyDemuxOrTheAcceptLocalKnobWhereTheKernelHasIt() {
        host.sysctl("net.ipv4.tcp_early_demux", "1");
        CheckResult demux = result(examine(), "early demux");
        assertEquals(Status.WARN, demux.status());
        assertEquals("sysctl -w net.ipv4.tcp_early_demux=0", demux.fix());

        host.sysctl("net.ipv4.ip_forward_accept_local", "0");
        demux = result(examine(), "early demux");
        assertEquals(Status.WARN, demux.status());
        assertEquals("sysctl -w net.ipv4.ip_forward_accept_local=1", demux.fix());
        host.sysctl("net.ipv4.ip_forward_accept_local", "1");
        assertEquals(Status.OK, result(examine(), "early demux").status());
    }

    @Test
    void capabilities() {
        host.file("/proc/self/status", "CapEff:\t0000000000000000\n");
        CheckResult none = result(examine(), "capabilities");
        assertEquals(Status.FAIL, none.status());
        assertTrue(none.fix().contains("AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN"), none.fix());

        host.file("/proc/self/status", "CapEff:\t0000000000002000\n");
        assertEquals(Status.OK, result(examine(), "capabilities").status(), "CAP_NET_RAW is enough on 6.18");
        host.file("/proc/sys/kernel/osrelease", "5.10.0-28-amd64\n");
        assertEquals(Status.FAIL, result(examine(), "capabilities").status(), "but not before 5.17");
        host.file("/proc/self/status", "CapEff:\t000001ffffffffff\n");
        assertEquals(Status.OK, result(examine(), "capabilities").status(), "root");
    }

    @Test
    void openFilesAgainstTheConnectionLimits() {
        host.file("/proc/self/limits", "Max open files            20000                20000                files\n");
        CheckResult files = result(examine(), "open files");
        assertEquals(Status.FAIL, files.status(), "10000 connections need 20256 descriptors");
        assertTrue(files.fix().contains("lower max.connections to 9872 in total"), files.fix());

        host.file("/proc/self/limits", "Max open files            30000                30000                files\n");
        assertEquals(Status.WARN, result(examine(), "open files").status(), "enough without pipes only");
        host.file("/proc/self/limits", "Max open files            1024                 524288               files\n");
        assertEquals("ulimit -n 40256 before bin/tproxy (the hard limit allows it)", result(examine(), "open files").fix());
        host.file("/proc/self/limits", "Max open files            unlimited            unlimited            files\n");
        assertEquals(Status.OK, result(examine(), "open files").status());
    }

    @Test
    void aFailedListenerIsReportedWithItsError() {
        DoctorReport report = examine(DoctorSettings.defaults(), List.of(listener("default", 9876, 100, "0.0.0.0",
                ListenerState.FAILED, "IP_TRANSPARENT: EPERM — needs CAP_NET_RAW or CAP_NET_ADMIN")));
        CheckResult listener = result(report, "listener default");
        assertEquals(Status.FAIL, listener.status());
        assertTrue(listener.detail().contains("EPERM"), listener.detail());
    }

    @Test
    void noListenerIsAWarning() {
        assertEquals(Status.WARN, result(examine(DoctorSettings.defaults(), List.of()), "listeners").status());
    }

    @Test
    void anIpv4OnlyListenerOrKernelSkipsTheIpv6Checks() {
        DoctorReport v4 = examine(DoctorSettings.defaults(), List.of(listener("default", 9876, 100, "0.0.0.0",
                ListenerState.RUNNING, null)));
        assertFalse(v4.results().stream().anyMatch(r -> r.check().startsWith("IPv6")), v4.toString());
        assertFalse(host.ran.contains("ip -N -6 rule show"));

        host.files.remove("/proc/sys/net/ipv6/conf/all/forwarding");
        DoctorReport noIpv6 = examine();
        assertFalse(noIpv6.results().stream().anyMatch(r -> r.check().startsWith("IPv6")), noIpv6.toString());
        assertEquals(Status.OK, result(noIpv6, "TPROXY to :9876").status());
    }

    @Test
    void settingsAreParsedWithTheOptionNamed() {
        assertEquals(new DoctorSettings(16, 100), DoctorSettings.parse("0x10", "100"));
        assertEquals("--mark: 'x' is not a number in 1..4294967295 (e.g. 1 or 0x1)",
                assertThrows(IllegalArgumentException.class, () -> DoctorSettings.parse("x", "100")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DoctorSettings.parse("1", "254")).getMessage()
                .startsWith("--table: 254 is one of the kernel's own tables"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DoctorSettings.parse("1", "0")).getMessage()
                .startsWith("--table:"));
    }

    @Test
    void everyNonOkResultCarriesAFix() {
        assertThrows(IllegalArgumentException.class, () -> new CheckResult(Status.WARN, "x", "y", null));
    }
}
