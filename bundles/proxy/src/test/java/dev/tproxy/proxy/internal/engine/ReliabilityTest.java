package dev.tproxy.proxy.internal.engine;

import static dev.tproxy.proxy.internal.engine.EngineFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.internal.config.EngineSettings;
import dev.tproxy.socket.api.Errno;
import dev.tproxy.socket.api.NativeException;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Hostile and unlucky input stays with the connection it came with: faults, odd destinations, half-closed peers. */
class ReliabilityTest extends LoopbackEngineTest {

    @Test
    void aFaultInOneConnectionResetsItAloneAndIsCountedByReason() throws IOException {
        start(Map.of(), LoopbackServers.ECHO);
        try (Socket healthy = fixture.connect()) {
            healthy.getOutputStream().write('a');
            assertEquals('a', healthy.getInputStream().read());
            fixture.sockets.failNextUpstreamWrite(new IllegalStateException("injected bug"));
            fixture.sockets.failNextUpstreamWrite(new NativeException("send", Errno.EIO, "send: EIO (injected)"));
            for (int i = 0; i < 2; i++) {
                try (Socket doomed = fixture.connect()) {
                    doomed.getOutputStream().write('x');
                    assertThrows(java.net.SocketException.class, () -> doomed.getInputStream().read());
                }
            }
            healthy.getOutputStream().write('b');
            assertEquals('b', healthy.getInputStream().read(), "the other connection never noticed");
        }
        fixture.awaitNoConnections();
        assertEquals(2, fixture.counters().closedBy().get(CloseReason.FAULT));
        assertEquals(1, fixture.counters().closedBy().get(CloseReason.COMPLETED));
        assertTrue(fixture.log.lines.stream().anyMatch(line -> line.startsWith("ERROR connection") && line.contains("injected bug")),
                fixture.log.lines::toString);
        assertTrue(fixture.log.lines.stream().anyMatch(line -> line.startsWith("WARN connection") && line.contains("server EIO")),
                fixture.log.lines::toString);
    }

    @Test
    void acceptErrorsOtherThanOutOfDescriptorsBackOffInsteadOfSpinning() throws IOException {
        start(Map.of(), LoopbackServers.ECHO);
        fixture.sockets.failNextAccept(Errno.ENOBUFS);
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            assertEquals('x', client.getInputStream().read(), "served after the back-off");
        }
        assertTrue(fixture.log.lines.stream().anyMatch(line -> line.contains("ENOBUFS") && line.contains("accepting again in 100ms")),
                fixture.log.lines::toString);
    }

    @Test
    void forbiddenDestinationsAreResetCountedAndGiveTheirPlaceBack() throws Exception {
        start(Map.of("max.connections", "1"), LoopbackServers.ECHO);
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 18, 2, 2};
        InetSocketAddress[] forbidden = {
            new InetSocketAddress(Inet6Address.getByAddress(null, mapped, (NetworkInterface) null), 80),
            new InetSocketAddress("127.0.0.1", 80), new InetSocketAddress("::", 80), new InetSocketAddress("224.0.0.1", 80)};
        for (InetSocketAddress destination : forbidden) {
            fixture.assertClientReset(destination);
        }
        await("every refusal counted", () -> fixture.counters().refused().get(RefusalReason.DESTINATION) == forbidden.length);
        assertTrue(fixture.sockets.connects.isEmpty(), "never dialled");
        try (Socket allowed = fixture.connect()) {
            allowed.getOutputStream().write('x');
            assertEquals('x', allowed.getInputStream().read(), "the only place (max.connections 1) is free again");
        }
    }

    @Test
    void aConnectionHalfClosedAndIdleForTheHalfClosedTimeoutIsClosed() throws IOException {
        fixture = EngineFixture.start(Map.of("half.closed.timeout", "300ms", "idle.timeout", "1h"));
        fixture.sockets.route(EngineFixture.SERVER, fixture.servers.start(fixture.servers.readThenHold));
        try (Socket client = fixture.connect()) {
            client.getOutputStream().write('x');
            client.shutdownOutput();
            assertEquals(-1, client.getInputStream().read(), "closed with FIN although the server never ended its half");
        }
        await("counted", () -> fixture.counters().closedBy().get(CloseReason.HALF_CLOSED_TIMEOUT) == 1);
        assertTrue(fixture.log.closed.get(0).reason().startsWith("half-closed timeout 300ms"));
    }

    @Test
    void aParkedConnectionThatCannotBeCarriedOverIsClosedAloneAndTheOthersCarryOn() throws IOException {
        start(Map.of(), LoopbackServers.ECHO);
        try (Socket kept = fixture.connect(); Socket broken = fixture.connect()) {
            kept.getOutputStream().write('k');
            assertEquals('k', kept.getInputStream().read());
            broken.getOutputStream().write('b');
            assertEquals('b', broken.getInputStream().read());
            long brokenId = fixture.liveIds().get(1);
            fixture.engine.detach(fixture.listening);
            fixture.engine.parkAndStop();
            fixture.parking.tamper(RelayParking.RELAY + brokenId, state -> state.remove("startNanos"));
            fixture.startEngine();
            fixture.engine.attach(fixture.listener, fixture.listening);

            assertEquals(-1, broken.getInputStream().read(), "its sockets were closed");
            kept.getOutputStream().write('2');
            assertEquals('2', kept.getInputStream().read());
            assertEquals(1, fixture.liveIds().size());
        }
        assertTrue(fixture.log.lines.stream().anyMatch(line -> line.contains("could not be carried over")), fixture.log.lines::toString);
    }

    @Test
    void anEngineThatCannotStartClosesWhatItOpened() throws Exception {
        fixture = EngineFixture.start(Map.of());
        int before = fixture.sockets.openFiles();
        long loopThreads = loopThreads();
        fixture.sockets.allowBufferMemories(1);
        Map<String, String> twoLoops = new HashMap<>(fixture.engineSettings);
        twoLoops.put("event.loops", "2");
        twoLoops.put("buffer.memory", "2m");
        assertThrows(NativeException.class,
                () -> new RelayEngine(fixture.sockets, fixture.parking, EngineSettings.from(twoLoops), fixture.log));
        assertEquals(before, fixture.sockets.openFiles(), "no descriptor left behind");
        assertEquals(loopThreads, loopThreads(), "no loop thread left behind");
    }

    private static long loopThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("tproxy-loop-")).count();
    }
}
