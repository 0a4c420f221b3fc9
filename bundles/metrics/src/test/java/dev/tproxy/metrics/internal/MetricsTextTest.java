package dev.tproxy.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.DurationHistogram;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.Statistics;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.api.UpstreamFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTextTest {
    private static final Pattern HELP = Pattern.compile("# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) .+");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)");
    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"(,[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\")*)\\})? (-?[0-9.eE+-]+|\\+Inf|-Inf|NaN)");

    private static String sample() {
        TrafficCounters lan = new TrafficCounters(10, 2, 7, Map.of(RefusalReason.ACL, 1L), Map.of(UpstreamFailure.REFUSED, 1L),
                1234, 567_890, Map.of(CloseReason.COMPLETED, 6L, CloseReason.UPSTREAM_FAILED, 1L),
                new DurationHistogram(List.of(3L, 2L, 1L, 0L, 0L, 0L, 0L, 1L), 7_300_000_000_000L));
        Map<String, TrafficCounters> per = new LinkedHashMap<>();
        per.put("lan \"one\"", lan);
        Statistics statistics = new Statistics(Instant.now(), per, lan, 0, 0, 2, 40);
        List<ListenerInfo> listeners = List.of(new ListenerInfo("lan \"one\"", "pid", ListenerState.RUNNING, List.of(),
                Map.of(), null, lan));
        PrometheusText out = new PrometheusText();
        ProxyMetrics.write(out, statistics, listeners);
        ProcessMetrics.write(out);
        return out.toString();
    }

    /** The format's rules: every sample's family announced once by HELP then TYPE, names and labels well formed. */
    @Test
    void everyLineIsWellFormedAndEveryFamilyHasHelpAndType() {
        String text = sample();
        Set<String> families = new HashSet<>();
        String current = null;
        for (String line : text.split("\n")) {
            Matcher help = HELP.matcher(line);
            Matcher type = TYPE.matcher(line);
            Matcher sample = SAMPLE.matcher(line);
            if (help.matches()) {
                assertTrue(families.add(help.group(1)), "family announced twice: " + line);
                current = help.group(1);
            } else if (type.matches()) {
                assertEquals(current, type.group(1), "TYPE right after its HELP: " + line);
            } else {
                assertTrue(sample.matches(), "not a sample: " + line);
                String name = sample.group(1);
                assertTrue(name.equals(current) || name.equals(current + "_bucket") || name.equals(current + "_sum")
                        || name.equals(current + "_count"), "sample outside its family: " + line);
            }
        }
        assertTrue(text.endsWith("\n"));
        for (String family : List.of("tproxy_connections_accepted_total", "tproxy_connections_active",
                "tproxy_connections_refused_total", "tproxy_upstream_failures_total", "tproxy_bytes_total",
                "tproxy_listener_up", "tproxy_connection_duration_seconds", "tproxy_hot_updates_total",
                "tproxy_parked_connections", "process_resident_memory_bytes", "process_open_fds", "process_max_fds",
                "process_start_time_seconds", "process_cpu_seconds_total", "jvm_memory_used_bytes",
                "jvm_buffer_pool_used_bytes")) {
            assertTrue(families.contains(family), family + " missing");
        }
    }

    @Test
    void countersAreTheSnapshotsValuesWithLabelsEscaped() {
        String text = sample();
        assertTrue(text.contains("tproxy_connections_accepted_total{listener=\"lan \\\"one\\\"\"} 10\n"), text);
        assertTrue(text.contains("tproxy_connections_refused_total{listener=\"lan \\\"one\\\"\",reason=\"connection-limit\"} 0\n"), text);
        assertTrue(text.contains("tproxy_bytes_total{listener=\"lan \\\"one\\\"\",direction=\"from_server\"} 567890\n"), text);
        assertTrue(text.contains("tproxy_connection_duration_seconds_bucket{listener=\"lan \\\"one\\\"\",le=\"0.1\"} 5\n"), text);
        assertTrue(text.contains("tproxy_connection_duration_seconds_bucket{listener=\"lan \\\"one\\\"\",le=\"+Inf\"} 7\n"), text);
        assertTrue(text.contains("tproxy_connection_duration_seconds_count{listener=\"lan \\\"one\\\"\"} 7\n"), text);
        assertTrue(text.contains("tproxy_connection_duration_seconds_sum{listener=\"lan \\\"one\\\"\"} 7300\n"), text);
        assertTrue(text.contains("tproxy_listener_up{listener=\"lan \\\"one\\\"\"} 1\n"), text);
        assertTrue(text.contains("tproxy_hot_updates_total 2\n"), text);
    }

    /** Prometheus' own checker, where Debian's prometheus package is installed (CI installs it). */
    @Test
    void promtoolAcceptsIt(@TempDir Path dir) throws Exception {
        boolean installed = Files.isExecutable(Path.of("/usr/bin/promtool"));
        if (!installed && !"true".equals(System.getenv("CI"))) {
            return;
        }
        Path file = dir.resolve("metrics.txt");
        Files.writeString(file, sample());
        Process check = new ProcessBuilder("promtool", "check", "metrics").redirectInput(file.toFile())
                .redirectErrorStream(true).start();
        String said = new String(check.getInputStream().readAllBytes());
        assertTrue(check.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, check.exitValue(), said);
    }

    @Test
    void aBadAddressOrPortIsRefusedByFieldName() {
        assertEquals("port: must be 1..65535, was 70000",
                assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.from("127.0.0.1", "70000")).getMessage());
        assertEquals("port: not a number: 'http'",
                assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.from("127.0.0.1", "http")).getMessage());
        assertEquals("address: not an IP address: 'localhost'",
                assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.from("localhost", "9877")).getMessage());
        assertEquals("127.0.0.1:9877", MetricsEndpoint.from(" 127.0.0.1 ", "9877").toString());
        assertEquals("0:0:0:0:0:0:0:1:9877", MetricsEndpoint.from("::1", "9877").toString());
    }
}
