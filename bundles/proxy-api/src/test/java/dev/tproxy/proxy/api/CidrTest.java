package dev.tproxy.proxy.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void containsAddressesOfItsOwnFamilyOnly() throws Exception {
        Cidr bench = Cidr.parse("198.18.0.0/15");
        assertTrue(bench.contains(InetAddress.getByName("198.19.255.255")));
        assertFalse(bench.contains(InetAddress.getByName("198.20.0.1")));
        assertFalse(bench.contains(InetAddress.getByName("2001:2::1")));
        Cidr v6 = Cidr.parse("2001:2::/48");
        assertTrue(v6.contains(InetAddress.getByName("2001:2:0:1::2")));
        assertFalse(v6.contains(InetAddress.getByName("2001:3::1")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("198.18.1.2")));
    }

    @Test
    void normalisesTheNetworkAndPrintsItCompactly() {
        assertEquals("198.18.0.0/15", Cidr.parse("198.18.7.9/15").toString());
        assertEquals("2001:2::/48", Cidr.parse("2001:0002:0000:ffff::/48").toString());
        assertEquals("198.18.1.2/32", Cidr.parse("198.18.1.2").toString());
        assertEquals(Cidr.parse("198.18.0.0/15"), Cidr.parse("198.19.0.0/15"));
    }

    @Test
    void rejectsMalformedInputWithoutResolvingNames() {
        assertEquals("malformed network 'router.example' (expected e.g. 198.18.0.0/15 or 2001:2::/48)",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("router.example")).getMessage());
        assertEquals("malformed network '300.1.1.1/8' (octet above 255)",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("300.1.1.1/8")).getMessage());
        assertEquals("malformed prefix length in '198.18.0.0/x'",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("198.18.0.0/x")).getMessage());
        assertEquals("prefix length in '2001:2::/129' must be 0..128",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("2001:2::/129")).getMessage());
    }
}
