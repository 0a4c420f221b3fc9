package dev.tproxy.itests.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.itests.lab.Lab;
import dev.tproxy.itests.lab.Peers;
import dev.tproxy.itests.runtime.RuntimeUnderTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What users rely on, through the real runtime in the lab's router with real TPROXY: bytes exact both ways,
 * half-close, resets where the kernel would give them, timeouts, IPv6, live reconfiguration, no leaked fds.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelayBehaviourIT {
    private static final Map<String, Object> CONFIG = Map.of("connect.timeout", "2s");

    private static Lab lab;
    private static Peers peers;
    private static RuntimeUnderTest runtime;
    private static final List<ServerSocket> servers = new ArrayList<>();
    private static int baselineFds;

    @BeforeAll
    static void start() throws Exception {
        lab = Lab.create();
        lab.intercept(9876, TestServers.PORTS);
        peers = new Peers(lab);
        for (String address : new String[] {Lab.SERVER_V4, Lab.SERVER_V6}) {
            serve(address, TestServers.ECHO, TestServers::echo);
            serve(address, TestServers.BULK, TestServers::bulk);
            serve(address, TestServers.REPLY_AFTER_EOF, TestServers::replyAfterEof);
            serve(address, TestServers.HOLD, TestServers::hold);
            serve(address, TestServers.RESET_AT_ONCE, TestServers::resetAtOnce);
            serve(address, TestServers.WHOAMI, TestServers::whoami);
            serve(address, TestServers.ANSWER_PAIRS, TestServers::answerPairs);
            serve(address, TestServers.URGENT, TestServers::urgent);
        }
        runtime = RuntimeUnderTest.install(lab, CONFIG).start();
        baselineFds = runtime.openFiles();
    }

    private static void serve(String address, int port, Consumer<Socket> handler) throws Exception {
        ServerSocket server = peers.listen(address, port);
        servers.add(server);
        peers.serve(server, handler);
    }

    @AfterAll
    static void stop() throws IOException {
        if (runtime != null) {
            runtime.close();
        }
        for (ServerSocket server : servers) {
            server.close();
        }
        if (peers != null) {
            peers.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    private static String server(String family) {
        return family.equals("ipv6") ? Lab.SERVER_V6 : Lab.SERVER_V4;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    @Order(1)
    void bulkBothWaysAtOnceArrivesByteExact(String family) throws Exception {
        String expectedFromServer = TestServers.seededDigest(2, TestServers.BULK_BYTES);
        String expectedFromClient = TestServers.seededDigest(1, TestServers.BULK_BYTES);
        long started = System.nanoTime();
        try (Socket client = peers.dial(server(family), TestServers.BULK)) {
            CompletableFuture<Void> sending = peers.async(() -> {
                TestServers.sendSeeded(client.getOutputStream(), 1, TestServers.BULK_BYTES);
                client.shutdownOutput();
                return null;
            });
            String received = TestServers.digest(client.getInputStream());
            sending.get(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("bulk %s: 2 x %d MiB both ways at once in %.2f s: %.0f Mbit/s each way%n", family,
                    TestServers.BULK_BYTES >> 20, seconds, TestServers.BULK_BYTES * 8 / seconds / 1e6);
            assertEquals(expectedFromServer, received, "server to client");
        }
        RuntimeUnderTest.await("the server's digest", Duration.ofSeconds(30), () -> TestServers.lastBulkDigest != null);
        assertEquals(expectedFromClient, TestServers.lastBulkDigest, "client to server");
        TestServers.lastBulkDigest = null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    @Order(2)
    void afterTheClientsFinTheWholeCloseDelimitedReplyArrives(String family) throws Exception {
        try (Socket client = peers.dial(server(family), TestServers.REPLY_AFTER_EOF)) {
            client.getOutputStream().write(new byte[12345]);
            client.shutdownOutput();
            InputStream in = client.getInputStream();
            byte[] header = new byte["got 12345\n".length()];
            assertEquals(header.length, in.readNBytes(header, 0, header.length));
            assertEquals("got 12345\n", new String(header));
            assertEquals(TestServers.seededDigest(3, TestServers.REPLY_BYTES), TestServers.digest(in));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    @Order(2)
    void urgentDataMidStreamArrivesInOrderBothWays(String family) throws Exception {
        TestServers.lastUrgentCheck = null;
        try (Socket client = peers.dial(server(family), TestServers.URGENT)) {
            client.setOOBInline(true);
            UrgentStream.send(client);
            client.shutdownOutput();
            byte[] received = client.getInputStream().readAllBytes();
            assertEquals(UrgentStream.LENGTH, received.length, "server to client: bytes");
            assertTrue(java.util.Arrays.equals(UrgentStream.bytes(), received), "server to client: byte-exact");
        }
        RuntimeUnderTest.await("the server's check", Duration.ofSeconds(10), () -> TestServers.lastUrgentCheck != null);
        assertEquals("exact", TestServers.lastUrgentCheck, "client to server");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    @Order(3)
    void theServerSeesTheClientsAddress(String family) throws Exception {
        try (Socket client = peers.dial(server(family), TestServers.WHOAMI)) {
            String seen = new String(client.getInputStream().readAllBytes());
            String expected = family.equals("ipv6") ? "2001:2:0:1:0:0:0:2" : Lab.CLIENT_V4;
            assertEquals(expected, seen);
        }
    }

    /**
     * The upstream handshake's last ACK waits for the client's first bytes (one packet less); when the client sends
     * nothing, because the server speaks first (SMTP, FTP, SSH banners), the proxy sends it as soon as the upstream
     * is connected. Held back until the kernel's delayed-ACK timer, every banner would come 200 ms late.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    @Order(3)
    void aServerThatSpeaksFirstIsHeardAtOnce(String family) throws Exception {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            long start = System.nanoTime();
            try (Socket client = peers.dial(server(family), TestServers.WHOAMI)) {
                client.setSoTimeout(20_000);
                assertTrue(client.getInputStream().read() >= 0, "the banner");
                millis.add((System.nanoTime() - start) / 1_000_000);
            }
        }
        List<Long> sorted = millis.stream().sorted().toList();
        System.out.println(family + ": connect to the server's first byte (ms): median " + sorted.get(sorted.size() / 2)
                + ", all " + millis);
        assertTrue(sorted.get(sorted.size() / 2) < 100, "the server waited for the handshake's ACK: " + millis);
    }

    /**
     * A client that opens a new connection from the port of one that just ended (a busy client whose ports wrap, a
     * NAT) meets the proxy's TIME_WAIT socket of the old one in the router. The new SYN must reach the listener at
     * once, not be answered by the TIME_WAIT socket with a stale ACK and retransmitted a second later.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ipv4", "ipv6"})
    @Order(3)
    void aClientReusingThePortOfAConnectionInTimeWaitGetsThroughAtOnce(String family) throws Exception {
        int port = family.equals("ipv6") ? 47_006 : 47_004;
        String expected = family.equals("ipv6") ? "2001:2:0:1:0:0:0:2" : Lab.CLIENT_V4;
        assertEquals(expected, whoamiFrom(family, port));
        assertTrue(routerHoldsTimeWait(port), "the proxy's side of the first connection is in TIME_WAIT in the router");
        long retransmitted = clientSynRetransmits();
        assertEquals(expected, whoamiFrom(family, port));
        assertEquals(retransmitted, clientSynRetransmits(), "client SYNs retransmitted");
    }

    private static String whoamiFrom(String family, int port) throws Exception {
        String source = family.equals("ipv6") ? Lab.CLIENT_V6 : Lab.CLIENT_V4;
        return lab.inNamespace(lab.client(), () -> {
            try (Socket socket = new Socket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(source, port));
                socket.connect(new InetSocketAddress(server(family), TestServers.WHOAMI), 10_000);
                return new String(socket.getInputStream().readAllBytes());
            }
        });
    }

    private static boolean routerHoldsTimeWait(int clientPort) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            if (!lab.exec(lab.router(), "ss", "-Htn", "state", "time-wait", "dport = :" + clientPort).isBlank()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static long clientSynRetransmits() {
        List<String> tcpExt = lab.exec(lab.client(), "cat", "/proc/net/netstat").lines()
                .filter(line -> line.startsWith("TcpExt:")).toList();
        List<String> names = List.of(tcpExt.get(0).split(" "));
        return Long.parseLong(tcpExt.get(1).split(" ")[names.indexOf("TCPSynRetrans")]);
    }

    /**
     * Request and reply in turn on one connection, from one byte up past the point where a direction stops copying
     * and splices (64 KiB): every short read waits for the next readable edge, and none may be missed.
     */
    @Test
    @Order(4)
    void exchangesInTurnOfEverySizeArriveWhole() throws Exception {
        try (Socket client = peers.dial(Lab.SERVER_V4, TestServers.ECHO)) {
            client.setSoTimeout(20_000);
            int exchanges = 0;
            for (int size = 1; size <= 512 * 1024; size = size * 3 / 2 + 1) {
                byte[] request = new byte[size];
                for (int i = 0; i < size; i++) {
                    request[i] = (byte) (i * 31 + size);
                }
                client.getOutputStream().write(request);
                assertArrayEquals(request, client.getInputStream().readNBytes(size), "echo of " + size + " bytes");
                exchanges++;
            }
            client.shutdownOutput();
            assertEquals(-1, client.getInputStream().read(), "the server's FIN after the client's");
            System.out.println("exchanges in turn: " + exchanges + ", 1 byte to 512 KiB, all echoed whole");
        }
    }

    /**
     * The proxy gives the upstream socket TCP_NODELAY only before its second write (Direction): a request sent in
     * two pieces must still reach the server without waiting for Nagle. Once the exchange is interactive, the
     * server delays its ACK of the first piece (40 ms or more) until it has something to send; with Nagle on, the
     * second piece would wait for that ACK in every round.
     */
    @Test
    @Order(4)
    void aRequestWrittenInTwoPiecesDoesNotWaitForNagle() throws Exception {
        try (Socket client = peers.dial(Lab.SERVER_V4, TestServers.ANSWER_PAIRS)) {
            client.setSoTimeout(20_000);
            client.setTcpNoDelay(true);
            List<Long> millis = new ArrayList<>();
            for (int round = 0; round < 30; round++) {
                client.getOutputStream().write('a');
                Thread.sleep(5);
                long sent = System.nanoTime();
                client.getOutputStream().write('b');
                assertArrayEquals(new byte[] {'a', 'b'}, client.getInputStream().readNBytes(2), "round " + round);
                millis.add((System.nanoTime() - sent) / 1_000_000);
            }
            List<Long> sorted = millis.stream().sorted().toList();
            System.out.println("two-piece requests, second piece to answer (ms): median " + sorted.get(sorted.size() / 2)
                    + ", all " + millis);
            assertTrue(sorted.get(sorted.size() / 2) < 20, "the second piece waited for the server's delayed ACK: " + millis);
        }
    }

    @Test
    @Order(4)
    void aThousandConcurrentConnectionsEachEchoTheirOwnBytes() throws Exception {
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                Socket client = peers.dial(Lab.SERVER_V4, TestServers.ECHO);
                client.setSoTimeout(20_000);
                clients.add(client);
                client.getOutputStream().write(("connection " + i + " of 1000;").getBytes());
            }
            for (int i = 0; i < clients.size(); i++) {
                byte[] expected = ("connection " + i + " of 1000;").getBytes();
                byte[] got = clients.get(i).getInputStream().readNBytes(expected.length);
                assertArrayEquals(expected, got, "connection " + i);
            }
        } finally {
            for (Socket client : clients) {
                client.close();
            }
        }
    }

    @Test
    @Order(5)
    void aRefusedUpstreamResetsTheClient() throws Exception {
        assertClientReset(Lab.SERVER_V4, TestServers.CLOSED, Duration.ofSeconds(2));
    }

    @Test
    @Order(6)
    void anUnroutableDestinationResetsTheClient() throws Exception {
        // 198.19.5.5 has no route in the router: the upstream connect fails at once.
        assertClientReset("198.19.5.5", TestServers.ECHO, Duration.ofSeconds(2));
    }

    @Test
    @Order(7)
    void aSilentDestinationResetsTheClientAtTheConnectTimeout() throws Exception {
        // 198.18.2.99 is on the server's link but nobody answers ARP: the connect timeout (2s) ends it.
        long started = System.nanoTime();
        assertClientReset("198.18.2.99", TestServers.ECHO, Duration.ofSeconds(5));
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis >= 1500, "reset after " + millis + " ms, before the connect timeout");
    }

    /** A reset on the first read, or already in connect when the proxy's RST beats connect()'s return. */
    private static void assertClientReset(String address, int port, Duration within) throws Exception {
        SocketException reset = assertThrows(SocketException.class, () -> {
            try (Socket client = peers.dial(address, port)) {
                client.setSoTimeout((int) within.toMillis() + 1000);
                client.getInputStream().read();
            }
        });
        assertTrue(reset.getMessage().contains("reset"), reset.getMessage());
    }

    @Test
    @Order(8)
    void aResetFromTheServerResetsTheClient() throws Exception {
        assertClientReset(Lab.SERVER_V4, TestServers.RESET_AT_ONCE, Duration.ofSeconds(5));
    }

    @Test
    @Order(9)
    void aResetFromTheClientResetsTheServer() throws Exception {
        TestServers.lastHoldEnding = null;
        Socket client = peers.dial(Lab.SERVER_V4, TestServers.HOLD);
        client.getOutputStream().write("some bytes".getBytes());
        Thread.sleep(200);
        client.setSoLinger(true, 0);
        client.close();
        RuntimeUnderTest.await("the server to see the client go", Duration.ofSeconds(10), () -> TestServers.lastHoldEnding != null);
        assertEquals("Connection reset", TestServers.lastHoldEnding);
    }

    @Test
    @Order(10)
    void aReconfigurationKeepsOpenConnectionsAndAppliesTheIdleTimeoutToThem() throws Exception {
        try (Socket open = peers.dial(Lab.SERVER_V4, TestServers.ECHO)) {
            open.setSoTimeout(10_000);
            echoOnce(open, "before");
            // Long enough that the reconfiguration's own round trip (the console, Config Admin) cannot use it up
            // before "after" is sent: the connection is idle from "before" on.
            String applied = runtime.reconfigure("default", Map.of("connect.timeout", "2s", "idle.timeout", "3s"));
            assertTrue(applied.contains("reconfigured"), applied);
            echoOnce(open, "after");
            long quietSince = System.nanoTime();
            assertEquals(-1, open.getInputStream().read(), "the idle connection ends with FIN");
            long millis = (System.nanoTime() - quietSince) / 1_000_000;
            assertTrue(millis >= 2900 && millis < 8000, "closed after " + millis + " ms idle");
        } finally {
            runtime.reconfigure("default", CONFIG);
        }
    }

    @Test
    @Order(11)
    void aBadValueIsRefusedByNameAndTheListenerKeepsServing() throws Exception {
        // Five rounds, each correction saved as soon as the bad value is refused: the operator's file is never
        // overwritten (fileinstall once wrote the rejected configuration back over it) and is applied each time.
        for (int round = 1; round <= 5; round++) {
            int idle = 60 + round;
            String refused = runtime.reconfigure("default", Map.of("port", 70000));
            assertTrue(refused.contains("rejected configuration: port: must be 1..65535, was 70000"), refused);
            assertTrue(refused.contains("keeping the previous configuration"), refused);
            try (Socket client = peers.dial(Lab.SERVER_V4, TestServers.ECHO)) {
                echoOnce(client, "still serving");
            }
            Map<String, Object> corrected = new java.util.HashMap<>(CONFIG);
            corrected.put("idle.timeout", idle + "s");
            String applied = runtime.reconfigure("default", corrected);
            assertTrue(applied.contains("reconfigured"), "round " + round + ": " + applied);
            Thread.sleep(1500); // more than fileinstall's poll: anything it would write back would be written by now
            assertEquals(runtime.writtenListener("default"), runtime.listenerFile("default"), "round " + round + ": the operator's file");
        }
        runtime.reconfigure("default", CONFIG);
    }

    private static void echoOnce(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes());
        assertEquals(text, new String(socket.getInputStream().readNBytes(text.length())));
    }

    @Test
    @Order(100)
    void whenAllConnectionsAreClosedTheDescriptorsAreBackToTheBaseline() {
        RuntimeUnderTest.await("descriptors back to " + baselineFds + " (now " + runtime.openFiles() + ")",
                Duration.ofSeconds(20), () -> runtime.openFiles() <= baselineFds);
    }
}
