package dev.tproxy.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.proxy.api.ConnectionFilter;
import dev.tproxy.proxy.api.ConnectionState;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.api.TrafficCounters;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The commands as the console runs them: through the real Gogo runtime, against a fake proxy. */
class TproxyCommandsTest {
    private final FakeConnections proxy = FakeConnections.sample();
    private final Shell shell = new Shell(new TproxyCommands(proxy, dev.tproxy.shell.internal.doctor.TestHosts.healthy()));

    @AfterEach
    void close() {
        shell.close();
    }

    private String fails(String line) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> shell.run(line), line);
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void connectionsAreOneAlignedRowEach() throws Exception {
        String[] lines = shell.run("tproxy:connections").split("\n");
        assertEquals(4, lines.length);
        assertEquals("ID  LISTENER  CLIENT                 DESTINATION          UPSTREAM-SOURCE        STATE               "
                + "  AGE   IDLE  FROM-CLIENT  FROM-SERVER", lines[0]);
        assertEquals(" 7  default   198.18.1.2:40000       198.18.2.2:80        198.18.1.2:40000       relaying            "
                + "3m05s     2s      1.2 MiB        512 B", lines[1]);
        assertEquals("12  lan6      [2001:2:0:1::2]:51000  [2001:2:0:2::2]:443  [2001:2:0:1::2]:51000  client-half-closed  "
                + "850ms  850ms          0 B      3.0 GiB", lines[2]);
        assertEquals("2 connections", lines[3]);
        for (String column : TextFormat.CONNECTION_COLUMNS) {
            int start = lines[0].indexOf(column);
            assertTrue(start >= 0, column);
        }
        assertEquals(ConnectionFilter.all(), proxy.listed);
    }

    @Test
    void everyFilterOptionReachesTheConnectionFilter() throws Exception {
        String output = shell.run("tproxy:connections --client 198.18.1.0/24 --destination 198.18.2.0/24 --port 80 "
                + "--listener default --state relaying --older-than 5m --idle 30s");
        ConnectionFilter expected = ConnectionFilter.builder().clientNetwork("198.18.1.0/24")
                .destinationNetwork("198.18.2.0/24").destinationPort(80).listener("default")
                .state(ConnectionState.RELAYING).olderThan(Duration.ofMinutes(5)).idleLongerThan(Duration.ofSeconds(30))
                .build();
        assertEquals(expected.toString(), proxy.listed.toString());
        assertTrue(output.endsWith("0 connections matching " + expected), output);
    }

    @Test
    void shortOptionsAndIpv6Networks() throws Exception {
        shell.run("tproxy:connections -c 2001:2:0:1::/64 -s client-half-closed -o 500ms");
        assertEquals("client=2001:2:0:1::/64 state=client-half-closed older-than=500ms", proxy.listed.toString());
        assertTrue(shell.run("tproxy:connections -c 2001:2:0:1::/64").contains("[2001:2:0:1::2]:51000"));
    }

    @Test
    void connectionsAsJson() throws Exception {
        Map<String, Object> json = Json.object(shell.run("tproxy:connections --json --port 443"));
        assertEquals("port=443", json.get("filter"));
        List<?> connections = (List<?>) json.get("connections");
        assertEquals(1, connections.size());
        Map<?, ?> c = (Map<?, ?>) connections.get(0);
        assertEquals(12L, c.get("id"));
        assertEquals("lan6", c.get("listener"));
        assertEquals("[2001:2:0:1::2]:51000", c.get("client"));
        assertEquals("[2001:2:0:2::2]:443", c.get("destination"));
        assertEquals("[2001:2:0:1::2]:51000", c.get("upstreamSource"));
        assertEquals("client-half-closed", c.get("state"));
        assertEquals("2026-11-25T08:56:55Z", c.get("started"));
        assertEquals(850L, c.get("ageMillis"));
        assertEquals(0L, c.get("bytesFromClient"));
        assertEquals(3_221_225_472L, c.get("bytesFromServer"));
        assertEquals(52L, c.get("clientFd"));
        assertEquals(65536L, c.get("pipedFromClient"));
        assertEquals(15, c.size());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "tproxy:connections --client 198.18.1.300/24|--client: malformed network '198.18.1.300/24' (octet above 255)",
        "tproxy:connections --destination 10.0.0.0/33|--destination: prefix length in '10.0.0.0/33' must be 0..32",
        "tproxy:connections --port 0|--port: '0' is not a port (1..65535)",
        "tproxy:connections --port http|--port: 'http' is not a port (1..65535)",
        "tproxy:connections --older-than 5x|--older-than: malformed duration '5x' (expected e.g. 250ms, 5s, 10m, 2h, 1d)",
        "tproxy:connections --idle -1s|--idle: malformed duration '-1s' (expected e.g. 250ms, 5s, 10m, 2h, 1d)",
        "tproxy:connections --listener nope|--listener: no listener named 'nope' (known: default, lan6)",
        "tproxy:drop --state open|--state: unknown state 'open' (one of connecting, relaying, client-half-closed, "
            + "server-half-closed, closed)",
        "tproxy:info 99|id: no live connection 99 (tproxy:connections lists them)",
        "tproxy:info abc|id: 'abc' is not a connection id (a number, as tproxy:connections shows)",
        "tproxy:drop 7 x|id: 'x' is not a connection id (a number, as tproxy:connections shows)",
        "tproxy:doctor --mark zero|--mark: 'zero' is not a number in 1..4294967295 (e.g. 1 or 0x1)",
        "tproxy:connections --bogus|connections: unknown option '--bogus' (help tproxy:connections lists the options)",
        "tproxy:connections 7|connections: unexpected argument '7' (help tproxy:connections lists the options)",
        "tproxy:stats -x|stats: unknown option '-x' (help tproxy:stats lists the options)",
        "tproxy:listeners all|listeners: unexpected argument 'all' (help tproxy:listeners lists the options)",
        "tproxy:doctor --fix|doctor: unknown option '--fix' (help tproxy:doctor lists the options)",
        "tproxy:info --verbose 7|info: unknown option '--verbose' (help tproxy:info lists the options)",
        "tproxy:info 7 8|info: one connection id, not 2 (tproxy:connections lists them)",
        "tproxy:info|info: which connection? give its id (tproxy:connections lists them)",
        "tproxy:drop --force 7|drop: unknown option '--force' (help tproxy:drop lists the options)",
    })
    void badInputIsOneLineNamingTheArgument(String line, String message) {
        assertEquals(message, fails(line));
        assertNull(proxy.droppedIds);
        assertNull(proxy.droppedByFilter);
    }

    @Test
    void infoShowsEverythingIncludingFdsAndPipeFill() throws Exception {
        String info = shell.run("tproxy:info 7");
        assertTrue(info.startsWith("FIELD                  VALUE\nid                     7\n"), info);
        assertTrue(info.contains("\nclient fd              47\n"), info);
        assertTrue(info.contains("\nupstream fd            48\n"), info);
        assertTrue(info.contains("\npipe fill from client  64.0 KiB (65536 bytes)\n"), info);
        assertTrue(info.endsWith("\npipe fill from server  0 B"), info);
        assertTrue(info.contains("\nbytes from client      1.2 MiB (1288490 bytes)\n"), info);
        Map<String, Object> json = Json.object(shell.run("tproxy:info --json 7"));
        assertEquals(7L, json.get("id"));
        assertEquals(48L, json.get("upstreamFd"));
    }

    @Test
    void dropRefusesAnEmptyFilterWithoutAll() throws Exception {
        assertTrue(fails("tproxy:drop").startsWith("drop: no ids and no filter would drop every connection"));
        assertTrue(fails("tproxy:drop --reset").startsWith("drop: no ids and no filter"));
        assertNull(proxy.droppedByFilter);

        String output = shell.run("tproxy:drop --all");
        assertEquals(ConnectionFilter.all(), proxy.droppedByFilter);
        assertEquals(DropMode.GRACEFUL, proxy.dropMode);
        assertTrue(output.startsWith("dropped 2 connections (graceful: FIN to both peers)\nID  LISTENER"), output);
    }

    @Test
    void dropByFilterWithReset() throws Exception {
        String output = shell.run("tproxy:drop --reset --client 198.18.1.0/24 --idle 1s");
        assertEquals("client=198.18.1.0/24 idle=1s", proxy.droppedByFilter.toString());
        assertEquals(DropMode.RESET, proxy.dropMode);
        String[] lines = output.split("\n");
        assertEquals("dropped 1 connection (reset: RST to both peers)", lines[0]);
        assertTrue(lines[2].startsWith(" 7  default"), output);
        assertEquals("dropped nothing: no live connection matches port=22", shell.run("tproxy:drop --port 22"));
        assertEquals(0, shell.status(), "a filter that matches nothing is no failure: none is left");
    }

    @Test
    void dropByIdsSaysWhatItDroppedAndWhatWasNotLive() throws Exception {
        String output = shell.run("tproxy:drop 7 99");
        assertEquals(List.of(7L, 99L), proxy.droppedIds);
        assertEquals(DropMode.GRACEFUL, proxy.dropMode);
        assertTrue(output.startsWith("dropped 1 connection (graceful"), output);
        assertTrue(output.endsWith("\nnot live (left alone): 99"), output);
        assertEquals("dropped nothing: no live connection with id 98", shell.run("tproxy:drop 98"));
        assertEquals(1, shell.status(), "an id that does not exist fails the command");

        Map<String, Object> json = Json.object(shell.run("tproxy:drop --json --reset 12 98"));
        assertEquals("reset", json.get("mode"));
        assertEquals(12L, ((Map<?, ?>) ((List<?>) json.get("dropped")).get(0)).get("id"));
        assertEquals(List.of(98L), json.get("notLive"));
    }

    @Test
    void dropRefusesIdsMixedWithAFilter() {
        assertEquals("drop: give connection ids or filter options (or --all), not both", fails("tproxy:drop --port 80 7"));
        assertEquals("drop: give connection ids or filter options (or --all), not both", fails("tproxy:drop --all 7"));
    }

    @Test
    void statsTotalsAndPerListener() throws Exception {
        String[] lines = shell.run("tproxy:stats").split("\n");
        assertEquals("COUNTER                       default     lan6     TOTAL", lines[0]);
        assertEquals("accepted                          120        5       125", lines[1]);
        assertEquals("refused acl                         3        0         3", lines[4]);
        assertEquals("refused connection-limit            0        9         9", lines[5]);
        assertEquals("refused loop                        1        0         1", lines[7]);
        assertEquals("refused destination                 0        0         0", lines[8]);
        assertEquals("upstream refused                    0        1         1", lines[10]);
        assertEquals("upstream unreachable                0        4         4", lines[11]);
        assertEquals("upstream timeout                    2        0         2", lines[12]);
        assertEquals("closed completed                    0        0         0", lines[14]);
        assertEquals("closed fault                        0        0         0", lines[22]);
        assertEquals("bytes from client             4.8 MiB    100 B   4.8 MiB", lines[23]);
        assertEquals("bytes from server            66.8 MiB  2.0 KiB  66.8 MiB", lines[24]);
        assertEquals("throughput: 12.3 Mbit/s from clients, 940.0 Mbit/s from servers (at 2026-11-25T09:00:00Z)",
                lines[25]);

        Map<String, Object> json = Json.object(shell.run("tproxy:stats --json"));
        assertEquals(940_000_000L, json.get("bitsPerSecondFromServer"));
        Map<?, ?> total = (Map<?, ?>) json.get("total");
        assertEquals(125L, total.get("accepted"));
        assertEquals(Map.of("acl", 3L, "connection-limit", 9L, "client-limit", 0L, "loop", 1L, "destination", 0L,
                "no-file-descriptors", 0L), total.get("refused"));
        assertEquals(0L, ((Map<?, ?>) total.get("closedBy")).get("half-closed-timeout"));
        Map<?, ?> lan6 = (Map<?, ?>) ((Map<?, ?>) json.get("listeners")).get("lan6");
        assertEquals(Map.of("refused", 1L, "unreachable", 4L, "timeout", 0L, "other", 0L), lan6.get("upstreamFailures"));
        assertEquals(2048L, lan6.get("bytesFromServer"));
    }

    @Test
    void listenersWithStateConfigurationAndLastError() throws Exception {
        String text = shell.run("tproxy:listeners");
        String[] lines = text.split("\n");
        assertEquals("NAME     STATE    BOUND         ACTIVE  ACCEPTED  REFUSED  LAST-ERROR", lines[0]);
        assertEquals("default  running  0.0.0.0:9876       0         0        0  -", lines[1]);
        assertEquals("lan6     running  [::]:9877          0         0        0  -", lines[2]);
        assertEquals("2 listeners", lines[3]);
        assertTrue(text.contains("\n\ndefault (dev.tproxy.listener~default)\n  name             default\n  port             9876\n"),
                text);

        Map<String, Object> json = Json.object(shell.run("tproxy:listeners --json"));
        Map<?, ?> lan6 = (Map<?, ?>) ((List<?>) json.get("listeners")).get(1);
        assertEquals("lan6", lan6.get("name"));
        assertEquals("running", lan6.get("state"));
        assertEquals(List.of("[::]:9877"), lan6.get("boundAddresses"));
        assertEquals("9877", ((Map<?, ?>) lan6.get("settings")).get("port"));
        assertTrue(lan6.containsKey("lastError"));
        assertNull(lan6.get("lastError"));
    }

    @Test
    void aFailedListenerShowsItsErrorAndADashForItsAddresses() throws Exception {
        proxy.listeners.add(new ListenerInfo("bad", "dev.tproxy.listener~bad", ListenerState.FAILED, List.of(), Map.of(),
                "rejected configuration: port: must be 1..65535,\nwas 99999", TrafficCounters.zero()));
        String[] lines = shell.run("tproxy:listeners").split("\n");
        assertEquals("bad      failed   -                  0         0        0  rejected configuration: port: must be "
                + "1..65535, was 99999", lines[3]);
        assertEquals(7, lines[3].split("\\s+", 7).length);
    }

    @Test
    void doctorReturnsItsReportEvenWhenChecksFail() throws Exception {
        String report = shell.run("tproxy:doctor --mark 2");
        assertEquals(1, shell.status(), "a FAIL fails the command (bin/client exits 1)");
        assertTrue(report.contains("\nFAIL  IPv4 fwmark rule  "), report);
        assertTrue(report.contains("\n      fix: ip -4 rule add fwmark 2 lookup 100\n"), report);
        assertTrue(report.lines().reduce((a, b) -> b).orElseThrow().matches("doctor: \\d+ failed, \\d+ warnings?, \\d+ ok "
                + "\\(fwmark 2, table 100\\)"), report);

        Map<String, Object> json = Json.object(shell.run("tproxy:doctor --json"));
        assertEquals("FAIL", json.get("status"), "the fake host diverts to :9876 only, not to lan6's :9877");
        assertEquals(1L, json.get("mark"));
        assertEquals(100L, json.get("table"));
        List<?> checks = (List<?>) json.get("checks");
        assertEquals((long) checks.size(), (Long) json.get("ok") + (Long) json.get("warn") + (Long) json.get("fail"));
        assertEquals(1L, json.get("fail"));
        assertEquals(Map.of("status", "OK", "check", "IPv4 forwarding", "detail", "net.ipv4.ip_forward = 1"),
                withoutNulls((Map<?, ?>) checks.get(2)));
        Map<?, ?> lan6 = checks.stream().map(c -> (Map<?, ?>) c).filter(c -> c.get("check").equals("TPROXY to :9877"))
                .findFirst().orElseThrow();
        assertEquals("FAIL", lan6.get("status"));
        assertEquals("native/tproxy-host up --port 9877", lan6.get("fix"));
    }

    private static Map<?, ?> withoutNulls(Map<?, ?> map) {
        map.values().removeIf(java.util.Objects::isNull);
        return map;
    }
}
