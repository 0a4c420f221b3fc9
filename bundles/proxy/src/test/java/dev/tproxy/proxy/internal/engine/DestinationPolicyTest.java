package dev.tproxy.proxy.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tproxy.proxy.api.RefusalReason;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DestinationPolicyTest {
    /** A router whose own addresses are 198.18.1.1 and 2001:2:0:1::1 on 198.18.1.0/24 (broadcast 198.18.1.255). */
    private static final LocalAddresses ROUTER = new LocalAddresses() {
        @Override
        Snapshot read() {
            return new Snapshot(Set.of(address("198.18.1.1"), address("2001:2:0:1::1")), Set.of(address("198.18.1.255")));
        }
    };
    private final DestinationPolicy policy = new DestinationPolicy(ROUTER);

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** An IPv6 address exactly as the kernel reported it: IPv4-mapped ones stay IPv6 (as SockAddr reads them). */
    private static InetSocketAddress v6(byte[] bytes, int port) throws UnknownHostException {
        return new InetSocketAddress(Inet6Address.getByAddress(null, bytes, (NetworkInterface) null), port);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.8.9.10", "224.0.0.1", "239.255.255.250",
        "255.255.255.255", "198.18.1.255", "198.18.1.1", "::", "::1", "ff02::1", "2001:2:0:1::1"})
    void refusesWhatIsNeverAServerWhateverThePort(String destination) {
        assertEquals(RefusalReason.DESTINATION, policy.check(new InetSocketAddress(address(destination), 443), 9876));
    }

    @Test
    void refusesIpv4HiddenInIpv6() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 18, 2, 2};
        byte[] compatible = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 198, 18, 2, 2};
        byte[] mappedLoopback = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        assertEquals(RefusalReason.DESTINATION, policy.check(v6(mapped, 80), 9876));
        assertEquals(RefusalReason.DESTINATION, policy.check(v6(compatible, 80), 9876));
        assertEquals(RefusalReason.DESTINATION, policy.check(v6(mappedLoopback, 80), 9876));
    }

    @Test
    void theRoutersOwnAddressOnTheListenersPortIsALoop() {
        assertEquals(RefusalReason.LOOP, policy.check(new InetSocketAddress("198.18.1.1", 9876), 9876));
        assertEquals(RefusalReason.LOOP, policy.check(new InetSocketAddress("2001:2:0:1::1", 9876), 9876));
    }

    @ParameterizedTest
    @ValueSource(strings = {"198.18.2.2", "198.18.1.254", "2001:2:0:2::2", "198.19.255.255"})
    void letsOrdinaryServersThrough(String destination) {
        assertNull(policy.check(new InetSocketAddress(address(destination), 80), 9876));
    }
}
