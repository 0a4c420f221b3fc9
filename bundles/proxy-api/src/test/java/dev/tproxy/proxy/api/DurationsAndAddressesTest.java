package dev.tproxy.proxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsAndAddressesTest {

    @Test
    void parsesTheUnitsOperatorsWrite() {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("5s"));
        assertEquals(Duration.ofSeconds(7), Durations.parse("7"));
        assertEquals(Duration.ofMinutes(10), Durations.parse("10m"));
        assertEquals(Duration.ofHours(2), Durations.parse("2h"));
        assertEquals(Duration.ofDays(1), Durations.parse(" 1d "));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("5 minutes"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
    }

    @Test
    void formatsShortly() {
        assertEquals("850ms", Durations.format(Duration.ofMillis(850)));
        assertEquals("12s", Durations.format(Duration.ofSeconds(12)));
        assertEquals("3m05s", Durations.format(Duration.ofSeconds(185)));
        assertEquals("2h10m", Durations.format(Duration.ofMinutes(130)));
        assertEquals("3d04h", Durations.format(Duration.ofHours(76)));
    }

    @Test
    void formatsAddressesTheStandardWay() throws Exception {
        assertEquals("198.18.1.2:80", Addresses.format(new InetSocketAddress("198.18.1.2", 80)));
        assertEquals("[2001:2:0:1::2]:443", Addresses.format(new InetSocketAddress("2001:2:0:1:0:0:0:2", 443)));
        assertEquals("::", Addresses.host(InetAddress.getByName("::")));
        assertEquals("2001:2::1:0:0:1", Addresses.host(InetAddress.getByName("2001:2:0:0:1:0:0:1")));
        assertEquals("1:0:1:0:1:0:1:0", Addresses.host(InetAddress.getByName("1:0:1:0:1:0:1:0")));
        assertEquals("-", Addresses.format(null));
    }
}
