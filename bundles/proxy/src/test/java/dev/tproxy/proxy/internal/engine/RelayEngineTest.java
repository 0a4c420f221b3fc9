package dev.tproxy.proxy.internal.engine;

import static dev.tproxy.proxy.internal.engine.EngineFixture.SERVER;
import static dev.tproxy.proxy.internal.engine.EngineFixture.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.ConnectionState;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.socket.api.Errno;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The engine end to end on loopback: accept, admission, connect, relay, endings, operator actions. */
class RelayEngineTest extends LoopbackEngineTest {
    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void relaysBothWaysCountsEveryByteAndLogsTheEnding() throws IOException {
        start(Map.of(), LoopbackServers.ECHO);
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write(ascii("hello"));
            assertArrayEquals(ascii("hello"), client.getInputStream().readNBytes(5));
            client.shutdownOutput();
            assertEquals(-1, client.getInputStream().read(), "the server's FIN reaches the client");
        }
        fixture.awaitNoConnections();
        assertEquals(5, fixture.counters().bytesFromClient());
        assertEquals(5, fixture.counters().bytesFromServer());
        assertEquals(1, fixture.counters().closed());
        ClosedConnection closed = fixture.log.closed.get(0);
        assertEquals("completed", closed.reason());
        assertEquals(SERVER, closed.destination());
        assertEquals(5, closed.fromClient());
    }

    @Test
    void aClientsHalfCloseIsPassedOnAndTheAnswerStillComes() throws IOException {
        start(Map.of(), LoopbackServers.COUNT_THEN_ANSWER);
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write(new byte[100_000]);
            client.shutdownOutput();
            assertArrayEquals(ascii("got 100000"), client.getInputStream().readAllBytes());
        }
        fixture.awaitNoConnections();
        assertEquals(100_000, fixture.counters().bytesFromClient());
    }

    @Test
    void megabytesFromTheServerArriveByteExactPastTheCopiedStartThroughPipes() throws IOException {
        int size = 16 << 20;
        start(Map.of(), LoopbackServers.push(size));
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            InputStream in = client.getInputStream();
            byte[] buffer = new byte[65536];
            long offset = 0;
            for (int n; (n = in.read(buffer)) > 0; offset += n) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != LoopbackServers.pattern(offset + i)) {
                        throw new AssertionError("byte " + (offset + i) + " differs");
                    }
                }
            }
            assertEquals(size, offset);
        }
        fixture.awaitNoConnections();
        assertEquals(size, fixture.counters().bytesFromServer());
    }

    @Test
    void withoutPipesTheDirectionsCopyAllAlong() throws IOException {
        start(Map.of(), LoopbackServers.push(1 << 20));
        fixture.sockets.failPipes(true);
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            assertEquals(1 << 20, client.getInputStream().readAllBytes().length);
        }
        fixture.awaitNoConnections();
    }

    @Test
    void aSlowReaderHoldsTheServerBackInTheKernelNotInTheProxy() throws Exception {
        start(Map.of(), LoopbackServers.push(64 << 20));
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            // The client reads nothing for a while: the relay stops reading the server once its buffer is stuck.
            await("the relay to stall on the client", () -> fixture.engine.connections().stream().anyMatch(c -> c.pipedFromServer() > 0));
            Thread.sleep(300);
            ConnectionInfo stalled = only();
            assertTrue(stalled.bytesFromServer() < 32 << 20, "the proxy stopped reading the server: " + stalled);
            assertTrue(stalled.pipedFromServer() <= 1 << 20, "at most one pipe's worth waits in the proxy");
            assertEquals(64 << 20, client.getInputStream().readAllBytes().length);
        }
    }

    /** Telnet's and FTP's urgent byte, early (copied) and late (spliced), each way: the stream stays byte-exact. */
    @Test
    void urgentDataMidStreamArrivesInOrderBothWays() throws Exception {
        java.util.concurrent.CompletableFuture<byte[]> serverGot = new java.util.concurrent.CompletableFuture<>();
        start(Map.of(), socket -> {
            socket.setOOBInline(true);
            byte[] got = socket.getInputStream().readAllBytes();
            serverGot.complete(got);
            sendWithUrgentBytes(socket);
            socket.close();
        });
        try (Socket client = fixture.connect()) {
            client.setOOBInline(true);
            sendWithUrgentBytes(client);
            client.shutdownOutput();
            byte[] expected = withUrgentBytes();
            assertArrayEquals(expected, serverGot.get(10, java.util.concurrent.TimeUnit.SECONDS), "client to server");
            assertArrayEquals(expected, client.getInputStream().readAllBytes(), "server to client");
        }
        fixture.awaitNoConnections();
        assertEquals(withUrgentBytes().length, fixture.counters().bytesFromClient());
    }

    private static final int LATE_URGENT_AT = 200_000;

    private static void sendWithUrgentBytes(Socket socket) throws IOException {
        byte[] all = withUrgentBytes();
        OutputStream out = socket.getOutputStream();
        out.write(all, 0, 3);
        socket.sendUrgentData(all[3]);
        out.write(all, 4, LATE_URGENT_AT - 4);
        socket.sendUrgentData(all[LATE_URGENT_AT]);
        out.write(all, LATE_URGENT_AT + 1, all.length - LATE_URGENT_AT - 1);
        out.flush();
    }

    private static byte[] withUrgentBytes() {
        byte[] all = new byte[LATE_URGENT_AT + 1000];
        for (int i = 0; i < all.length; i++) {
            all[i] = LoopbackServers.pattern(i);
        }
        return all;
    }

    private ConnectionInfo only() {
        var all = fixture.engine.connections();
        assertEquals(1, all.size(), all::toString);
        return all.get(0);
    }

    @Test
    void aServerResetResetsTheClient() throws IOException {
        start(Map.of(), LoopbackServers.RESET_AFTER_ONE_BYTE);
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            assertThrows(SocketException.class, () -> client.getInputStream().read(), "the client sees a reset, not a FIN");
        }
        fixture.awaitNoConnections();
        assertTrue(fixture.log.closed.get(0).reason().startsWith("server "), fixture.log.closed.toString());
    }

    @Test
    void aClientResetResetsTheServer() throws Exception {
        java.util.concurrent.CompletableFuture<String> seen = new java.util.concurrent.CompletableFuture<>();
        start(Map.of(), socket -> {
            try {
                socket.getInputStream().readAllBytes();
                seen.complete("fin");
            } catch (IOException e) {
                seen.complete("reset");
            }
        });
        Socket client = fixture.connect();
        client.getOutputStream().write('x');
        await("the relay", () -> fixture.engine.connections().stream().anyMatch(c -> c.bytesFromClient() == 1));
        client.setSoLinger(true, 0);
        client.close();
        assertEquals("reset", seen.get(10, java.util.concurrent.TimeUnit.SECONDS));
        fixture.awaitNoConnections();
    }

    @Test
    void aRefusedUpstreamResetsTheClientAndIsCountedByReason() {
        start(Map.of(), LoopbackServers.ECHO);
        fixture.sockets.route(SERVER, fixture.servers.closedPort());
        fixture.assertClientReset();
        await("the failure counted", () -> fixture.counters().upstreamFailures().get(UpstreamFailure.REFUSED) == 1);
        assertEquals(1, fixture.counters().closed());
        assertEquals(0, fixture.counters().active());
    }

    @Test
    void noAnswerWithinTheConnectTimeoutResetsTheClient() throws IOException {
        start(Map.of("connect.timeout", "100ms"), LoopbackServers.ECHO);
        fixture.sockets.route(SERVER, fixture.servers.blackHole());
        fixture.assertClientReset();
        await("the timeout counted", () -> fixture.counters().upstreamFailures().get(UpstreamFailure.TIMEOUT) == 1);
        assertTrue(fixture.log.closed.get(0).reason().startsWith("upstream timeout"), fixture.log.closed.toString());
    }

    @Test
    void anUpstreamSocketThatCannotBeOpenedRefusesTheClientByReason() throws IOException {
        start(Map.of(), LoopbackServers.ECHO);
        fixture.sockets.failNextConnect(Errno.EMFILE);
        fixture.sockets.failNextConnect(Errno.ENETUNREACH);
        for (int i = 0; i < 2; i++) {
            fixture.assertClientReset();
        }
        await("both refusals counted", () -> fixture.counters().accepted() == 2 && fixture.counters().active() == 0);
        assertEquals(1, fixture.counters().refused().get(RefusalReason.NO_FILE_DESCRIPTORS));
        assertEquals(1, fixture.counters().upstreamFailures().get(UpstreamFailure.UNREACHABLE));
        assertEquals(1, fixture.counters().closed());
    }

    @Test
    void anIdleConnectionIsClosedWithAFin() throws IOException {
        start(Map.of("idle.timeout", "300ms"), LoopbackServers.ECHO);
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            assertEquals('x', client.getInputStream().read());
            assertEquals(-1, client.getInputStream().read(), "closed with FIN after the idle timeout");
        }
        await("the log line", () -> !fixture.log.closed.isEmpty());
        assertTrue(fixture.log.closed.get(0).reason().startsWith("idle timeout"));
    }

    @Test
    void clientsOutsideTheAllowedNetworksAreResetAndCounted() throws IOException {
        start(Map.of("allowed.clients", new String[] {"198.18.0.0/15"}), LoopbackServers.ECHO);
        fixture.assertClientReset();
        await("the refusal", () -> fixture.counters().refused().get(RefusalReason.ACL) == 1);
        assertTrue(fixture.sockets.connects.isEmpty(), "no upstream connect for a refused client");
    }

    @Test
    void theOperatorListsInspectsAndDropsConnections() throws IOException {
        start(Map.of(), LoopbackServers.ECHO);
        try (Socket first = fixture.connect(); Socket second = fixture.connect()) {
            first.getOutputStream().write('1');
            second.getOutputStream().write('2');
            first.getInputStream().read();
            second.getInputStream().read();
            var ids = fixture.liveIds();
            assertEquals(2, ids.size());
            ConnectionInfo info = fixture.engine.connection(ids.get(0));
            assertEquals(ConnectionState.RELAYING, info.state());
            assertEquals(SERVER, info.destination());
            assertEquals(1, info.bytesFromClient());

            assertNotNull(fixture.engine.drop(ids.get(0), DropMode.GRACEFUL));
            assertEquals(-1, first.getInputStream().read(), "a graceful drop sends FIN");
            assertNotNull(fixture.engine.drop(ids.get(1), DropMode.RESET));
            assertThrows(SocketException.class, () -> second.getInputStream().read(), "a reset drop sends RST");
            assertNull(fixture.engine.drop(ids.get(1), DropMode.RESET), "gone");
            assertNull(fixture.engine.connection(ids.get(1)));
        }
        fixture.awaitNoConnections();
    }

    @Test
    void aHalfClosedConnectionSaysWhichSideEnded() throws IOException {
        start(Map.of(), LoopbackServers.COUNT_THEN_ANSWER);
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            await("relaying", () -> fixture.engine.connections().stream().anyMatch(c -> c.bytesFromClient() == 1));
            client.shutdownOutput();
            assertArrayEquals(ascii("got 1"), client.getInputStream().readAllBytes());
        }
        fixture.awaitNoConnections();
    }

    @Test
    void droppingAListenersConnectionsAndStoppingTheEngineCloseEverything() throws IOException {
        start(Map.of(), LoopbackServers.ECHO);
        try (Socket first = fixture.connect(); Socket second = fixture.connect()) {
            first.getOutputStream().write('1');
            first.getInputStream().read();
            second.getOutputStream().write('2');
            second.getInputStream().read();
            fixture.engine.dropAll(fixture.listener, DropMode.GRACEFUL);
            assertEquals(-1, first.getInputStream().read());
            assertEquals(-1, second.getInputStream().read());
        }
        fixture.awaitNoConnections();
        try (Socket third = fixture.connect()) {
            third.getOutputStream().write('3');
            third.getInputStream().read();
            fixture.engine.stop();
            fixture.engine = null;
            assertEquals(-1, third.getInputStream().read(), "stopping the engine closes with FIN");
        }
    }

    @Test
    void throughputIsSampledFromTheByteCounters() throws Exception {
        start(Map.of(), LoopbackServers.push(8 << 20));
        try (Socket client = fixture.connect(); OutputStream out = client.getOutputStream()) {
            out.write('x');
            InputStream in = client.getInputStream();
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline && fixture.engine.throughput().bitsPerSecondFromServer() == 0) {
                in.readNBytes(4096);
                Thread.sleep(1);
            }
            assertTrue(fixture.engine.throughput().bitsPerSecondFromServer() > 0);
        }
    }

    @Test
    void aRemovedListenerKeepsCountingInTheTotals() throws IOException {
        start(Map.of(), LoopbackServers.ECHO);
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            client.getInputStream().read();
        }
        fixture.awaitNoConnections();
        fixture.engine.detach(fixture.listening);
        fixture.engine.unregister(fixture.listener);
        assertTrue(fixture.engine.listeners().isEmpty());
        assertEquals(1, fixture.engine.retiredCounters().accepted());
        assertEquals(1, fixture.engine.retiredCounters().bytesFromServer());
    }

    @Test
    void checksDestinationAddressesAsGiven() {
        start(Map.of(), LoopbackServers.ECHO);
        InetSocketAddress other = new InetSocketAddress("198.18.2.3", 443);
        fixture.sockets.route(other, fixture.servers.start(LoopbackServers.ECHO));
        try (Socket client = fixture.connectTo(other)) {
            client.getOutputStream().write('y');
            assertEquals('y', client.getInputStream().read());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(other, fixture.sockets.connects.get(0).destination());
    }
}
