package dev.tproxy.itests.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.lab.Shell;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * log/access.log of the real runtime with real traffic: one line per connection in the shipped text format, then
 * in JSON after a live change of {@code log.format} (checked by Python's json parser); the byte counts are what
 * the test sent, the line count is what tproxy:stats counted, and no connection line is left in log/tproxy.log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AccessLogIT {
    private static final int ECHO = TestServers.ECHO;
    private static final Pattern TEXT = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)"
            + " connection (\\d+) closed: listener=default client=198\\.18\\.1\\.2:\\d+ destination=198\\.18\\.2\\.2:" + ECHO
            + " upstream=198\\.18\\.1\\.2:\\d+ from-client=(\\d+) from-server=(\\d+) duration=\\S+ reason=completed");
    private static EchoLab echoLab;
    private static Lab lab;
    private static Peers peers;
    private static RuntimeUnderTest runtime;

    @BeforeAll
    static void start() throws Exception {
        echoLab = EchoLab.start();
        lab = echoLab.lab();
        peers = echoLab.peers();
        runtime = echoLab.runtime();
    }

    @AfterAll
    static void stop() {
        if (echoLab != null) {
            echoLab.close();
        }
    }

    /** Echoes {@code sizes[i]} bytes over connection i; returns the sizes sent. */
    private static List<Long> send(int... sizes) throws Exception {
        List<Long> sent = new ArrayList<>();
        for (int size : sizes) {
            try (Socket client = peers.dial(Lab.SERVER_V4, ECHO)) {
                client.getOutputStream().write(new byte[size]);
                client.shutdownOutput();
                assertEquals(size, client.getInputStream().readAllBytes().length);
            }
            sent.add((long) size);
        }
        return sent;
    }

    private static List<String> accessLines() throws Exception {
        Path file = runtime.home().resolve("log/access.log");
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }

    private static List<String> awaitAccessLines(int count) throws Exception {
        RuntimeUnderTest.await(count + " lines in log/access.log", Duration.ofSeconds(10), () -> {
            try {
                return accessLines().size() >= count;
            } catch (Exception e) {
                return false;
            }
        });
        List<String> lines = accessLines();
        assertEquals(count, lines.size(), lines::toString);
        return lines;
    }

    @Test
    @Order(1)
    void asShippedEveryConnectionGetsATextLineWithWhatItCarried() throws Exception {
        long acceptedBefore = runtime.stat("listeners", "default", "accepted");
        List<Long> sent = send(1, 100, 1000, 10_000, 100_000);
        List<String> lines = awaitAccessLines(sent.size());
        TreeSet<Long> ids = new TreeSet<>();
        List<Long> fromClient = new ArrayList<>();
        for (String line : lines) {
            Matcher matcher = TEXT.matcher(line);
            assertTrue(matcher.matches(), line);
            ids.add(Long.parseLong(matcher.group(2)));
            fromClient.add(Long.parseLong(matcher.group(3)));
            assertEquals(matcher.group(3), matcher.group(4), "an echo sends back what it got: " + line);
        }
        assertEquals(sent, fromClient.stream().sorted().toList());
        assertEquals(sent.size(), ids.size(), "one line per connection id");
        assertEquals(acceptedBefore + sent.size(), runtime.stat("listeners", "default", "accepted"));
        assertFalse(runtime.log().contains(" closed: listener="), "connection lines left in log/tproxy.log");
    }

    @Test
    @Order(2)
    void inJsonEachLineIsOneObjectWithTheDocumentedKeys() throws Exception {
        int before = accessLines().size();
        String applied = runtime.reconfigure("default", Map.of("log.format", "json"));
        assertTrue(applied.contains("reconfigured"), applied);
        assertTrue(runtime.console("tproxy:listeners").contains("log.format"), "log.format shown by tproxy:listeners");
        List<Long> sent = send(7, 70_000, 700);
        List<String> json = awaitAccessLines(before + sent.size()).subList(before, before + sent.size());
        Path file = Files.createTempFile("access-json-", ".log");
        try {
            Files.write(file, json);
            // Python's json module is strict: one object per line, numbers as numbers, the documented keys exactly.
            Shell.Result parsed = Shell.tryRun(Duration.ofSeconds(30), "python3", "-c", String.join("\n",
                    "import json, sys, datetime",
                    "for line in open(sys.argv[1]):",
                    "    o = json.loads(line)",
                    "    datetime.datetime.fromisoformat(o['time'].replace('Z', '+00:00'))",
                    "    assert isinstance(o['id'], int) and isinstance(o['duration_ms'], float), o",
                    "    print(','.join(sorted(o)), o['listener'], o['client'].split(':')[0], o['destination'],"
                            + " o['from_client'], o['from_server'], o['reason'])"), file.toString());
            assertEquals(0, parsed.exitCode(), parsed.output());
            List<String> rows = parsed.output().strip().lines().toList();
            String keys = "client,destination,duration_ms,from_client,from_server,id,listener,reason,time,upstream";
            List<String> expected = new ArrayList<>();
            for (long size : sent) {
                expected.add(keys + " default 198.18.1.2 198.18.2.2:" + ECHO + " " + size + " " + size + " completed");
            }
            assertEquals(expected.stream().sorted().toList(), rows.stream().sorted().toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    @Order(3)
    void aBadFormatIsRefusedByNameAndTheLastGoodOneStays() throws Exception {
        int before = accessLines().size();
        String refused = runtime.reconfigure("default", Map.of("log.format", "xml"));
        assertTrue(refused.contains("log.format") && refused.contains("xml"), refused);
        send(5);
        String line = awaitAccessLines(before + 1).get(before);
        assertTrue(line.startsWith("{\"time\":\"") && line.contains("\"from_client\":5,"), line);
    }
}
