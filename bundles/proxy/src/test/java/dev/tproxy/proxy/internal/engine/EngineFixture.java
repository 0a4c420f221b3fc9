package dev.tproxy.proxy.internal.engine;

import static org.junit.jupiter.api.Assertions.fail;

import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.internal.config.EngineSettings;
import dev.tproxy.proxy.internal.config.ListenerConfigs;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.socket.api.ListenOptions;
import dev.tproxy.socket.api.ListeningSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A relay engine on loopback with one listener ("test"), real sockets and epoll, and servers of the test's
 * choosing behind benchmarking addresses (see {@link RedirectingSockets}).
 */
final class EngineFixture implements AutoCloseable {
    static final InetSocketAddress SERVER = new InetSocketAddress("198.18.2.2", 80);

    final RedirectingSockets sockets = new RedirectingSockets();
    final ParkingDouble parking = new ParkingDouble();
    final RecordingLog log = new RecordingLog();
    final LoopbackServers servers = new LoopbackServers();
    private final Map<String, Object> settings;
    /** One loop, a small budget of buffers (16 of 64 KiB), a few pipes. */
    final Map<String, String> engineSettings = new HashMap<>(Map.of("event.loops", "1", "buffer.memory", "1m",
            "pipes.per.loop", "64", "idle.pipes.per.loop", "4", "grace.period", "5s"));
    RelayEngine engine;
    ListenerRuntime listener;
    ListeningSocket listening;

    private EngineFixture(Map<String, Object> settings) {
        this.settings = new HashMap<>(settings);
        this.settings.putIfAbsent("name", "test");
        this.settings.putIfAbsent("source.mode", "router");
        sockets.defaultDestination(SERVER);
    }

    /** An engine with one event loop and a listener with {@code settings} over the defaults (router source mode). */
    static EngineFixture start(Map<String, Object> settings) {
        EngineFixture fixture = new EngineFixture(settings);
        fixture.startEngine();
        fixture.listening = fixture.sockets.listen(ListenOptions.ordinary(InetAddress.getLoopbackAddress(), 0, 128));
        fixture.engine.attach(fixture.listener, fixture.listening);
        return fixture;
    }

    /** A new engine (a new version of the proxy) that carries on with whatever the previous one parked. */
    void startEngine() {
        engine = new RelayEngine(sockets, parking, EngineSettings.from(engineSettings), log);
        listener = engine.listenerRuntime("test");
        listener.settings(ListenerSettings.from(ListenerConfigs.of(settings)));
        listener.state(ListenerState.RUNNING, null);
    }

    /**
     * A hot update: the listener stops accepting, the engine parks every connection and stops, a new engine (a new
     * version) takes them over, and the listener accepts again, on the same socket.
     */
    void parkAndRestart() {
        engine.detach(listening);
        engine.parkAndStop();
        startEngine();
        engine.attach(listener, listening);
    }

    /** Applies new listener settings, as a live reconfiguration would. */
    void reconfigure(Map<String, Object> changes) {
        settings.putAll(changes);
        listener.settings(ListenerSettings.from(ListenerConfigs.of(settings)));
    }

    /** A client connected through the listener; reads time out after 10 s instead of hanging a test. */
    Socket connect() {
        try {
            Socket socket = new Socket();
            socket.setSoTimeout(10_000);
            socket.connect(listening.localAddress(), 5000);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects a client and asserts that the proxy resets it, at once or at its first read. */
    void assertClientReset() {
        assertClientReset(null);
    }

    /** The same for a client that seems to have dialled {@code destination} (null: the default one). */
    void assertClientReset(InetSocketAddress destination) {
        Socket socket = new Socket();
        try {
            socket.setSoTimeout(10_000);
            if (destination != null) {
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                sockets.clientGoesTo(socket.getLocalPort(), destination);
            }
            socket.connect(listening.localAddress(), 5000);
            int read = socket.getInputStream().read();
            fail("expected a reset, read " + read);
        } catch (java.net.SocketException e) {
            // reset: at connect when it came before the handshake was reported, else at the read
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                socket.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    /** A client that seems to have dialled {@code destination}. */
    Socket connectTo(InetSocketAddress destination) {
        try {
            Socket socket = new Socket();
            socket.setSoTimeout(10_000);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            sockets.clientGoesTo(socket.getLocalPort(), destination);
            socket.connect(listening.localAddress(), 5000);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    TrafficCounters counters() {
        return listener.counters().snapshot();
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    /** Waits until the engine holds no connection and every admitted one is counted closed. */
    void awaitNoConnections() {
        await("no live connections", () -> engine.connections().isEmpty() && counters().active() == 0);
    }

    List<Long> liveIds() {
        return engine.connections().stream().map(dev.tproxy.proxy.api.ConnectionInfo::id).toList();
    }

    @Override
    public void close() throws IOException {
        if (engine != null) {
            engine.stop();
        }
        if (listening != null) {
            listening.close();
        }
        parking.close();
        servers.close();
    }
}
