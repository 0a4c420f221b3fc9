package dev.tproxy.proxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConnectionFilterTest {
    private static ConnectionInfo connection(String client, String destination, int port, ConnectionState state, Duration age, Duration idle) {
        return new ConnectionInfo(1, "default", new InetSocketAddress(client, 40000), new InetSocketAddress(destination, port),
                null, state, Instant.now(), age, idle, 0, 0, 10, 11, 0, 0);
    }

    @Test
    void everyCriterionNarrowsTheMatch() {
        ConnectionInfo c = connection("198.18.1.2", "198.18.2.2", 80, ConnectionState.RELAYING, Duration.ofMinutes(6), Duration.ofSeconds(40));
        assertTrue(ConnectionFilter.all().matches(c));
        assertTrue(ConnectionFilter.all().isEmpty());
        assertTrue(ConnectionFilter.builder().clientNetwork("198.18.1.0/24").destinationNetwork("198.18.2.0/24").destinationPort(80)
                .listener("default").state(ConnectionState.RELAYING).olderThan(Duration.ofMinutes(5)).idleLongerThan(Duration.ofSeconds(30))
                .build().matches(c));
        assertFalse(ConnectionFilter.builder().clientNetwork("198.18.9.0/24").build().matches(c));
        assertFalse(ConnectionFilter.builder().destinationPort(443).build().matches(c));
        assertFalse(ConnectionFilter.builder().listener("other").build().matches(c));
        assertFalse(ConnectionFilter.builder().state(ConnectionState.CONNECTING).build().matches(c));
        assertFalse(ConnectionFilter.builder().olderThan(Duration.ofMinutes(7)).build().matches(c));
        assertFalse(ConnectionFilter.builder().idleLongerThan(Duration.ofMinutes(1)).build().matches(c));
    }

    @Test
    void badInputNamesTheCriterion() {
        assertEquals("client network: malformed network 'x' (expected e.g. 198.18.0.0/15 or 2001:2::/48)",
                assertThrows(IllegalArgumentException.class, () -> ConnectionFilter.builder().clientNetwork("x")).getMessage());
        assertEquals("destination port: must be 1..65535, was 0",
                assertThrows(IllegalArgumentException.class, () -> ConnectionFilter.builder().destinationPort(0)).getMessage());
        assertEquals("state: unknown 'open' (one of connecting, relaying, client-half-closed, server-half-closed)",
                assertThrows(IllegalArgumentException.class, () -> ConnectionState.parse("open")).getMessage());
        assertEquals(ConnectionState.CLIENT_HALF_CLOSED, ConnectionState.parse("client-half-closed"));
    }
}
