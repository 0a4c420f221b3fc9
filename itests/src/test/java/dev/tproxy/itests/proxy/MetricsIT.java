package dev.tproxy.itests.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.lab.Shell;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /metrics of the real runtime, as shipped (etc/dev.tproxy.metrics.cfg), scraped from inside the router's
 * namespace while real traffic goes through the proxy: the counters are what the test sent, and promtool accepts
 * the text.
 */
class MetricsIT {
    private static final int ECHO = TestServers.ECHO;
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

    private static String scrape() throws Exception {
        return lab.inNamespace(lab.router(), () -> {
            HttpURLConnection http = (HttpURLConnection) new URL("http://127.0.0.1:9877/metrics").openConnection();
            http.setConnectTimeout(5000);
            http.setReadTimeout(10_000);
            assertEquals(200, http.getResponseCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", http.getContentType());
            try (InputStream in = http.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        });
    }

    private static double value(String text, String series) {
        Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertTrue(matcher.find(), series + " not in:\n" + text);
        return Double.parseDouble(matcher.group(1));
    }

    @Test
    void theCountersAreWhatWasSentAndPromtoolAcceptsThem(@TempDir Path dir) throws Exception {
        String before = scrape();
        int connections = 20;
        int bytes = 10_000;
        for (int i = 0; i < connections; i++) {
            try (Socket client = peers.dial(Lab.SERVER_V4, ECHO)) {
                client.getOutputStream().write(new byte[bytes]);
                client.shutdownOutput();
                assertEquals(bytes, client.getInputStream().readAllBytes().length);
            }
        }
        String accepted = "tproxy_connections_accepted_total{listener=\"default\"}";
        String closed = "tproxy_connection_duration_seconds_count{listener=\"default\"}";
        RuntimeUnderTest.await("every connection closed", Duration.ofSeconds(10), () -> {
            try {
                return value(scrape(), closed) == value(before, closed) + connections;
            } catch (Exception e) {
                return false;
            }
        });
        String after = scrape();
        assertEquals(value(before, accepted) + connections, value(after, accepted));
        assertEquals(value(before, "tproxy_bytes_total{listener=\"default\",direction=\"from_client\"}") + connections * bytes,
                value(after, "tproxy_bytes_total{listener=\"default\",direction=\"from_client\"}"));
        assertEquals(value(before, "tproxy_bytes_total{listener=\"default\",direction=\"from_server\"}") + connections * bytes,
                value(after, "tproxy_bytes_total{listener=\"default\",direction=\"from_server\"}"));
        assertEquals(value(before, "tproxy_connections_ended_total{listener=\"default\",reason=\"completed\"}") + connections,
                value(after, "tproxy_connections_ended_total{listener=\"default\",reason=\"completed\"}"));
        assertEquals(0, value(after, "tproxy_connections_active{listener=\"default\"}"));
        assertEquals(1, value(after, "tproxy_listener_up{listener=\"default\"}"));
        assertTrue(value(after, "process_open_fds") > 0 && value(after, "process_resident_memory_bytes") > 0, after);
        // tproxy:stats reads the same counters
        assertEquals((long) value(after, accepted), runtime.stat("listeners", "default", "accepted"));

        Path file = dir.resolve("metrics.txt");
        Files.writeString(file, after);
        Shell.Result check = Shell.tryRun(Duration.ofSeconds(30), "sh", "-c", "promtool check metrics < " + file);
        assertEquals(0, check.exitCode(), check.output());
    }

    @Test
    void aBadPortIsRefusedByNameAndTheEndpointStays() throws Exception {
        Path config = runtime.home().resolve("etc/dev.tproxy.metrics.cfg");
        String shipped = Files.readString(config);
        long logStart = runtime.logSizeNow();
        Files.writeString(config, "address=127.0.0.1\nport=70000\n");
        try {
            String refused = runtime.awaitLog(logStart, line -> line.contains("metrics: rejected configuration"));
            assertTrue(refused.contains("port: must be 1..65535, was 70000; keeping http://127.0.0.1:9877/metrics"), refused);
            assertTrue(scrape().contains("tproxy_connections_accepted_total"));
        } finally {
            Files.writeString(config, shipped);
        }
    }
}
