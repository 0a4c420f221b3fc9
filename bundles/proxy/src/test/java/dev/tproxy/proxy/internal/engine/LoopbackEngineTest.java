package dev.tproxy.proxy.internal.engine;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;

/** A test of the engine on loopback: each test starts a fixture, closed after it whatever happened. */
abstract class LoopbackEngineTest {
    EngineFixture fixture;

    /** An engine whose listener has {@code settings}, in front of one server (at {@link EngineFixture#SERVER}). */
    EngineFixture start(Map<String, Object> settings, LoopbackServers.Behaviour server) {
        fixture = EngineFixture.start(settings);
        fixture.sockets.route(EngineFixture.SERVER, fixture.servers.start(server));
        return fixture;
    }

    @AfterEach
    void closeFixture() throws IOException {
        if (fixture != null) {
            fixture.close();
        }
    }
}
