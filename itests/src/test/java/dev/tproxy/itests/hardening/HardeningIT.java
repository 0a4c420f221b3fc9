package dev.tproxy.itests.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Json;
import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.lab.Shell;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Abuse, faults and least privilege, scaled to fit CI. {@code -Dtproxy.soak=true} runs the 100,000-connection
 * churn instead of 10,000. Every case reports what it held and what was lost (nothing).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HardeningIT {
    private static final int ECHO = 80;
    private static final int FLOOD = 81;
    private static final int RESET_MID_STREAM = 82;
    private static final int SILENT = 83;
    private static final int CLOSE_WITHOUT_READING = 84;
    private static final String SECOND_CLIENT = "198.18.1.3";

    private static Lab lab;
    private static Peers peers;
    private RuntimeUnderTest runtime;

    @BeforeAll
    static void lab() throws Exception {
        lab = Lab.create();
        lab.intercept(9876, "80-84");
        lab.exec(lab.client(), "ip", "addr", "add", SECOND_CLIENT + "/24", "dev", "eth0");
        for (String ns : new String[] {lab.client(), lab.router()}) {
            lab.exec(ns, "sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65000", "net.ipv4.tcp_tw_reuse=1");
        }
        peers = new Peers(lab);
        serve(ECHO, HardeningIT::echo);
        serve(FLOOD, HardeningIT::flood);
        serve(RESET_MID_STREAM, HardeningIT::resetMidStream);
        serve(SILENT, socket -> { });
        serve(CLOSE_WITHOUT_READING, HardeningIT::closeWithoutReading);
    }

    private static void serve(int port, java.util.function.Consumer<Socket> handler) throws Exception {
        peers.serve(peers.listen(Lab.SERVER_V4, port), handler);
    }

    @AfterAll
    static void tearDown() {
        peers.close();
        lab.close();
    }

    @AfterEach
    void stopRuntime() {
        if (runtime != null) {
            runtime.close();
        }
    }

    private RuntimeUnderTest start(Map<String, Object> config) {
        runtime = RuntimeUnderTest.install(lab, config).start();
        return runtime;
    }

    /**
     * Last: its 10,000 spoofed upstream connections leave as many TIME_WAIT sockets in the router for 60 s, and a
     * later test's client port that matches one hangs (early demux once the rules are down, EADDRINUSE while
     * proxied; see docs/design.md on TIME_WAIT). CI saw it once the runtime started fast enough to reach them.
     */
    @Test
    @Order(Integer.MAX_VALUE)
    void churnLeavesDescriptorsAndMemoryNearTheBaseline() throws Exception {
        int total = Boolean.getBoolean("tproxy.soak") ? 100_000 : 10_000;
        start(Map.of());
        churn(1000);
        awaitIdle();
        int fdsBefore = runtime.openFiles();
        long rssBefore = runtime.residentKiB();
        long started = System.nanoTime();
        churn(total);
        double seconds = (System.nanoTime() - started) / 1e9;
        awaitIdle();
        RuntimeUnderTest.await("descriptors back to the baseline", Duration.ofSeconds(20), () -> runtime.openFiles() <= fdsBefore);
        long rssAfter = runtime.residentKiB();
        long closed = runtime.stat("total", "closed");
        System.out.printf("churn: %d connections in %.1f s (%.0f/s); fds %d -> %d; RSS %d -> %d KiB; closed %d%n", total, seconds,
                total / seconds, fdsBefore, runtime.openFiles(), rssBefore, rssAfter, closed);
        assertEquals(total + 1000, closed);
        assertEquals(0, runtime.stat("total", "upstreamFailures", "refused") + runtime.stat("total", "refused", "no-file-descriptors"));
        assertTrue(rssAfter < rssBefore + 64 * 1024, "RSS grew from " + rssBefore + " to " + rssAfter + " KiB");
    }

    /** {@code count} short connections over 4 client threads: connect, 16 bytes there and back, close. */
    private static void churn(int count) throws Exception {
        AtomicInteger next = new AtomicInteger();
        List<CompletableFuture<Integer>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            workers.add(peers.async(() -> lab.inNamespace(lab.client(), () -> {
                int failures = 0;
                byte[] hello = "0123456789abcdef".getBytes();
                while (next.getAndIncrement() < count) {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(Lab.SERVER_V4, ECHO), 5000);
                        socket.setSoTimeout(5000);
                        socket.getOutputStream().write(hello);
                        if (socket.getInputStream().readNBytes(hello.length).length != hello.length) {
                            failures++;
                        }
                    } catch (IOException e) {
                        failures++;
                    }
                }
                return failures;
            })));
        }
        int failures = 0;
        for (CompletableFuture<Integer> worker : workers) {
            failures += worker.get(30, TimeUnit.MINUTES);
        }
        assertEquals(0, failures, "failed short connections");
    }

    private void awaitIdle() {
        RuntimeUnderTest.await("no live connections", Duration.ofSeconds(20), () -> runtime.stat("total", "active") == 0);
    }

    @Test
    void idleClientsHitTheirLimitAndTimeOutWhileOthersAreServed() throws Exception {
        start(Map.of("max.connections.per.client", 500, "idle.timeout", "5s"));
        List<Socket> idle = new ArrayList<>();
        int refused = 0;
        try {
            refused = lab.inNamespace(lab.client(), () -> {
                int resetInConnect = 0;
                for (int i = 0; i < 1000; i++) {
                    Socket socket = new Socket();
                    try {
                        socket.connect(new InetSocketAddress(Lab.SERVER_V4, ECHO), 5000);
                        idle.add(socket);
                    } catch (SocketException e) {
                        // Refused so fast that the reset arrived before connect() returned.
                        assertTrue(e.getMessage().contains("reset"), e.getMessage());
                        resetInConnect++;
                        socket.close();
                    }
                }
                return resetInConnect;
            });
            RuntimeUnderTest.await("500 refused for the client limit", Duration.ofSeconds(20),
                    () -> runtime.stat("total", "refused", "client-limit") == 500);
            assertEquals(500, runtime.stat("total", "active"));
            try (Socket other = dialFrom(SECOND_CLIENT)) {
                echoOnce(other);
            }
            RuntimeUnderTest.await("the idle ones closed by the idle timeout", Duration.ofSeconds(15),
                    () -> runtime.stat("total", "active") == 0);
            for (Socket socket : idle) {
                socket.setSoTimeout(5000);
                try {
                    if (socket.getInputStream().read() == -1) {
                        continue;
                    }
                } catch (SocketException e) {
                    refused++;
                }
            }
            System.out.printf("idle clients: 1000 opened, %d reset at the per-client limit, 500 closed by the idle timeout%n", refused);
            assertEquals(500, refused);
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    private static Socket dialFrom(String source) throws Exception {
        return lab.inNamespace(lab.client(), () -> {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
            socket.connect(new InetSocketAddress(Lab.SERVER_V4, ECHO), 5000);
            socket.setSoTimeout(5000);
            return socket;
        });
    }

    private static void echoOnce(Socket socket) throws IOException {
        socket.getOutputStream().write("ping".getBytes());
        assertEquals("ping", new String(socket.getInputStream().readNBytes(4)));
    }

    @Test
    void aClientThatStopsReadingStallsOnlyItself() throws Exception {
        start(Map.of());
        try (Socket stuck = peers.dial(Lab.SERVER_V4, FLOOD)) {
            Thread.sleep(1000);
            long id = -1;
            for (Object c : (List<?>) Json.at(runtime.json("tproxy:connections --json --port 81"), "connections")) {
                id = Json.number(c, "id");
            }
            Object info = runtime.json("tproxy:info --json " + id);
            long piled = Json.number(info, "pipedFromServer");
            long relayed = Json.number(info, "bytesFromServer");
            for (int i = 0; i < 50; i++) {
                try (Socket other = peers.dial(Lab.SERVER_V4, ECHO)) {
                    other.setSoTimeout(2000);
                    echoOnce(other);
                }
            }
            System.out.printf("back-pressure: the stuck connection holds %d bytes in its pipe after relaying %d; 50 others served%n",
                    piled, relayed);
            assertTrue(piled > 0, "the server's bytes wait in the stuck connection's pipe");
            assertTrue(relayed < 64L << 20, "the proxy does not read the server without limit: " + relayed);
        }
    }

    @Test
    void misbehavingServersEndInADefinedStateAndLeakNothing() throws Exception {
        start(Map.of("idle.timeout", "2s"));
        int baseline = runtime.openFiles();
        try (Socket client = peers.dial(Lab.SERVER_V4, RESET_MID_STREAM)) {
            client.setSoTimeout(5000);
            InputStream in = client.getInputStream();
            long got = 0;
            SocketException reset = assertThrows(SocketException.class, () -> {
                while (in.read() >= 0) {
                    // drain until the reset
                }
            });
            assertTrue(reset.getMessage().contains("reset"), reset.getMessage());
        }
        try (Socket client = peers.dial(Lab.SERVER_V4, SILENT)) {
            client.setSoTimeout(10_000);
            assertEquals(-1, client.getInputStream().read(), "a silent server's connection ends at the idle timeout");
        }
        try (Socket client = peers.dial(Lab.SERVER_V4, CLOSE_WITHOUT_READING)) {
            client.setSoTimeout(5000);
            OutputStream out = client.getOutputStream();
            assertThrows(IOException.class, () -> {
                for (int i = 0; i < 1000; i++) {
                    out.write(new byte[65536]);
                }
                client.getInputStream().read();
                throw new IOException("ended");
            });
        }
        RuntimeUnderTest.await("no live connections", Duration.ofSeconds(10), () -> runtime.stat("total", "active") == 0);
        RuntimeUnderTest.await("descriptors back to " + baseline, Duration.ofSeconds(20), () -> runtime.openFiles() <= baseline);
    }

    @Test
    void hostileConfigurationValuesAreRefusedByNameWhileServing() throws Exception {
        start(Map.of());
        Object[][] hostile = {{"port", "-1"}, {"port", 0}, {"port", "9876; rm -rf /"}, {"connect.timeout", "-5s"},
            {"idle.timeout", "forever"}, {"max.connections", "2147483648"}, {"allowed.clients", new String[] {"198.18.0.0/99"}},
            {"bind.addresses", new String[] {"example.com"}}, {"source.mode", "usesrc"}, {"pipe.size", 1}, {"name", "../../etc"},
            {"upstream.mark", "-7"}, {"backlog", "lots"}};
        for (Object[] bad : hostile) {
            String field = (String) bad[0];
            String answer = runtime.reconfigure("default", Map.of(field, bad[1]));
            assertTrue(answer.contains("rejected configuration: " + field + ": "), field + " -> " + answer);
            try (Socket client = peers.dial(Lab.SERVER_V4, ECHO)) {
                client.setSoTimeout(5000);
                echoOnce(client);
            }
            runtime.reconfigure("default", Map.of());
        }
        Object listeners = runtime.json("tproxy:listeners --json");
        assertEquals("running", Json.at(listeners, "listeners", 0, "state"));
        System.out.printf("bad input: %d hostile values refused by field name, service never interrupted%n", hostile.length);
    }

    @Test
    void withCapNetRawAloneItServesAndOnlyItsOwnerReachesTheConsole() throws Exception {
        runtime = RuntimeUnderTest.install(lab, Map.of());
        Shell.run(Duration.ofSeconds(10), "chown", "-R", "nobody:nogroup", runtime.home().toString());
        Shell.run(Duration.ofSeconds(10), "chmod", "755", runtime.home().toString());
        runtime.start("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all,+net_raw",
                "--ambient-caps=+net_raw", "--bounding-set=-all,+net_raw", "--");
        String status = Shell.run(Duration.ofSeconds(5), "grep", "-E", "^(Uid|CapEff)", "/proc/" + runtime.pid() + "/status");
        assertTrue(status.contains("65534") && status.contains("0000000000002000"), status);
        try (Socket client = peers.dial(Lab.SERVER_V4, ECHO)) {
            client.setSoTimeout(5000);
            echoOnce(client);
        }
        Shell.Result stranger = Shell.tryRun(Duration.ofSeconds(30), "setpriv", "--reuid=daemon", "--regid=daemon", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--", runtime.home().resolve("bin/client").toString(), "lb");
        assertNotEquals(0, stranger.exitCode(), stranger.output());
        assertTrue(stranger.output().contains("console") || stranger.output().contains("ermission"), stranger.output());
        System.out.println("least privilege: served as uid 65534 with CapEff=CAP_NET_RAW only; another user's bin/client: " + stranger.output().strip());
    }

    @Test
    void withoutTheCapabilityTheListenerSaysWhichOneItNeeds() {
        runtime = RuntimeUnderTest.install(lab, Map.of());
        Shell.run(Duration.ofSeconds(10), "chown", "-R", "nobody:nogroup", runtime.home().toString());
        Shell.run(Duration.ofSeconds(10), "chmod", "755", runtime.home().toString());
        runtime.start("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--");
        String listeners = runtime.console("tproxy:listeners");
        assertTrue(listeners.contains("failed") && listeners.contains("needs CAP_NET_RAW"), listeners);
    }

    @Test
    void rulesGoingAwayAndComingBackAndARestartRecoverByThemselves() throws Exception {
        start(Map.of());
        long accepted = runtime.stat("total", "accepted");
        lab.exec(lab.router(), Lab.projectRoot().resolve("native/tproxy-host").toString(), "down");
        try {
            // Earlier tests' proxied connections linger in TIME_WAIT: down leaves early demux off, or this could hang.
            try (Socket bypassing = peers.dial(Lab.SERVER_V4, ECHO)) {
                bypassing.setSoTimeout(5000);
                echoOnce(bypassing);
            }
            assertEquals(accepted, runtime.stat("total", "accepted"), "without rules traffic bypasses the proxy");
            Shell.Result doctor = runtime.tryConsole("tproxy:doctor");
            assertEquals(1, doctor.exitCode(), "a FAIL makes bin/client exit 1: " + doctor.output());
            assertTrue(doctor.output().lines().anyMatch(line -> line.contains("FAIL") && line.contains("TPROXY to :9876")), doctor.output());
        } finally {
            lab.intercept(9876, "80-84"); // the later tests need the rules, whatever happened here
        }
        try (Socket client = peers.dial(Lab.SERVER_V4, ECHO)) {
            client.setSoTimeout(5000);
            echoOnce(client);
        }
        assertEquals(accepted + 1, runtime.stat("total", "accepted"));
        Path home = runtime.home();
        Shell.run(Duration.ofSeconds(60), home.resolve("bin/stop").toString());
        lab.exec(lab.router(), home.resolve("bin/start").toString());
        RuntimeUnderTest.await("listening again after a restart", Duration.ofSeconds(30),
                () -> runtime.tryConsole("tproxy:listeners").output().contains("running"));
        try (Socket client = peers.dial(Lab.SERVER_V4, ECHO)) {
            client.setSoTimeout(5000);
            echoOnce(client);
        }
        assertEquals(1, runtime.stat("total", "accepted"), "the restarted runtime relayed it");
    }

    private static void echo(Socket peer) {
        try (peer) {
            peer.getInputStream().transferTo(peer.getOutputStream());
        } catch (IOException e) {
            // The client went away.
        }
    }

    /** Sends without end; the client never reads. */
    private static void flood(Socket peer) {
        try (peer) {
            byte[] chunk = new byte[65536];
            while (true) {
                peer.getOutputStream().write(chunk);
            }
        } catch (IOException e) {
            // The proxy closed the connection at the end of the test.
        }
    }

    private static void resetMidStream(Socket peer) {
        try {
            peer.getOutputStream().write(new byte[100_000]);
            Thread.sleep(200);
            peer.setSoLinger(true, 0);
            peer.close();
        } catch (IOException | InterruptedException e) {
            // Nothing else to do.
        }
    }

    private static void closeWithoutReading(Socket peer) {
        try {
            peer.close();
        } catch (IOException e) {
            // Nothing else to do.
        }
    }
}
