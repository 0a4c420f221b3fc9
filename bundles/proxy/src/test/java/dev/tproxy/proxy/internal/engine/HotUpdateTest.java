package dev.tproxy.proxy.internal.engine;

import static dev.tproxy.proxy.internal.engine.EngineFixture.SERVER;
import static dev.tproxy.proxy.internal.engine.EngineFixture.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.ConnectionState;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.HandleParking;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A new version of the engine carries on with every connection the previous one parked. */
class HotUpdateTest extends LoopbackEngineTest {
    @Test
    void connectionsCarryOnMidStreamWithTheirIdsCountersAndBytesInFlight() throws Exception {
        int size = 8 << 20;
        start(Map.of(), LoopbackServers.push(size));
        java.net.InetSocketAddress echoServer = new java.net.InetSocketAddress("198.18.2.9", 7);
        fixture.sockets.route(echoServer, fixture.servers.start(LoopbackServers.ECHO));
        try (Socket pushed = fixture.connect(); Socket echoed = fixture.connectTo(echoServer)) {
            pushed.getOutputStream().write('x');
            echoed.getOutputStream().write("before".getBytes());
            assertArrayEquals("before".getBytes(), echoed.getInputStream().readNBytes(6));
            InputStream in = pushed.getInputStream();
            byte[] first = in.readNBytes(1 << 20);   // the server keeps pushing; the relay stalls on the client
            await("bytes waiting in the proxy", () -> fixture.engine.connections().stream().anyMatch(c -> c.pipedFromServer() > 0));
            List<ConnectionInfo> before = fixture.engine.connections();
            long acceptedBefore = fixture.counters().accepted();

            fixture.parkAndRestart();

            List<ConnectionInfo> after = fixture.engine.connections();
            assertEquals(before.stream().map(ConnectionInfo::id).toList(), after.stream().map(ConnectionInfo::id).toList());
            assertEquals(before.get(0).started(), after.get(0).started());
            assertEquals(acceptedBefore, fixture.counters().accepted(), "counters carried over");
            assertEquals(2, fixture.counters().active());
            echoed.getOutputStream().write("after".getBytes());
            assertArrayEquals("after".getBytes(), echoed.getInputStream().readNBytes(5));
            byte[] rest = in.readAllBytes();
            assertEquals(size, first.length + rest.length, "not a byte lost, pipes and buffers included");
            for (int i = 0; i < rest.length; i++) {
                if (rest[i] != LoopbackServers.pattern(first.length + i)) {
                    throw new AssertionError("byte " + (first.length + i) + " differs");
                }
            }
        }
        fixture.awaitNoConnections();
        try (Socket next = fixture.connect()) {
            next.getOutputStream().write('x');
            next.getInputStream().read();
            long newest = fixture.liveIds().get(0);
            assertTrue(newest > 2, "ids go on after the carried-over ones: " + newest);
        }
    }

    /**
     * A live direction parks as a flow that the parking lot keeps moving (native-socket's
     * ParkedFlowsTest moves them for real); the next version counts what the lot moved, and a socket error the lot
     * met ends the connection as that error would have.
     */
    @Test
    void splicingDirectionsParkAsFlowsAndWhatTheLotMovedOrMetIsTheNextVersions() throws Exception {
        start(Map.of(), LoopbackServers.push(8 << 20));
        try (Socket pushed = fixture.connect()) {
            pushed.getOutputStream().write('x');
            InputStream in = pushed.getInputStream();
            in.readNBytes(1 << 20);
            long id = fixture.liveIds().get(0);
            String key = RelayParking.RELAY + id;
            fixture.engine.detach(fixture.listening);
            fixture.engine.parkAndStop();

            List<HandleParking.Flow> flows = fixture.parking.flows(key);
            assertEquals(List.of(0, 1), flows.stream().map(HandleParking.Flow::source).toList(), "client to server, server to client");
            assertEquals(List.of(1, 0), flows.stream().map(HandleParking.Flow::sink).toList());
            long relayedBefore = fixture.counters().bytesFromServer();
            fixture.parking.tamperFlows(key, flow -> flow.source() == 0 ? flow : new HandleParking.Flow(flow.source(), flow.sink(),
                    flow.pipe(), flow.pipeSize(), flow.pending(), flow.moved() + 1000, 0, Errno.ECONNRESET));
            fixture.startEngine();
            fixture.engine.attach(fixture.listener, fixture.listening);

            assertEquals(relayedBefore + 1000, fixture.counters().bytesFromServer(), "the bytes the lot moved are counted");
            assertEquals(List.of(), fixture.liveIds(), "the reset the lot met ends the connection");
            assertEquals(1, fixture.counters().closedBy().get(CloseReason.CLIENT_RESET));
            assertThrows(SocketException.class, () -> {
                while (in.read(new byte[65536]) >= 0) {
                    // the client is reset, as for any reset the relay meets
                }
            });
        }
    }

    @Test
    void aConnectThatCompletesWhileParkedIsFinishedByTheNewVersion() throws Exception {
        fixture = EngineFixture.start(Map.of("connect.timeout", "3s"));
        java.net.InetSocketAddress hole = fixture.servers.blackHole();
        fixture.sockets.route(SERVER, hole);
        try (Socket client = fixture.connect()) {
            await("connecting", () -> fixture.engine.connections().stream().anyMatch(c -> c.state() == ConnectionState.CONNECTING));
            fixture.parkAndRestart();
            ConnectionInfo info = fixture.engine.connections().get(0);
            assertEquals(ConnectionState.CONNECTING, info.state());
            assertThrows(SocketException.class, () -> client.getInputStream().read(), "the connect timeout still applies");
        }
        await("the timeout", () -> fixture.counters().upstreamFailures().get(UpstreamFailure.TIMEOUT) == 1);
    }

    @Test
    void parkedCountersAndTheLastIdSurviveEvenWithoutConnections() throws Exception {
        start(Map.of(), LoopbackServers.ECHO);
        for (int i = 0; i < 3; i++) {
            try (Socket client = fixture.connect()) {
                client.getOutputStream().write('x');
                client.getInputStream().read();
            }
        }
        fixture.awaitNoConnections();
        fixture.parkAndRestart();
        assertEquals(3, fixture.counters().accepted());
        assertEquals(3, fixture.counters().closed());
        assertEquals(3, fixture.counters().bytesFromServer());
        assertEquals(0, fixture.parking.size(), "everything parked was claimed");
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            client.getInputStream().read();
            assertEquals(List.of(4L), fixture.liveIds());
        }
    }
}
