package dev.tproxy.proxy.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.internal.config.ListenerConfigs;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    private final Admission admission = new Admission(new LocalAddresses());
    private final InetSocketAddress client = new InetSocketAddress("198.18.1.2", 40000);
    private final InetSocketAddress server = new InetSocketAddress("198.18.2.2", 80);

    private static ListenerSettings settings(Map<String, Object> values) {
        return ListenerSettings.from(ListenerConfigs.of(values));
    }

    @Test
    void admitsWithinTheLimits() {
        assertNull(admission.check(settings(Map.of()), client, server, 0, 0));
    }

    @Test
    void refusesClientsOutsideTheAllowedNetworks() {
        ListenerSettings onlyV6 = settings(Map.of("allowed.clients", new String[] {"2001:2::/48"}));
        assertEquals(RefusalReason.ACL, admission.check(onlyV6, client, server, 0, 0));
    }

    @Test
    void refusesADestinationThatIsTheProxyItself() {
        assertEquals(RefusalReason.LOOP, admission.check(settings(Map.of()), client, new InetSocketAddress("127.0.0.1", 9876), 0, 0));
        assertNull(admission.check(settings(Map.of()), client, new InetSocketAddress("198.18.2.2", 9876), 0, 0));
    }

    @Test
    void refusesAtTheListenerAndPerClientLimits() {
        assertEquals(RefusalReason.CONNECTION_LIMIT, admission.check(settings(Map.of("max.connections", "5")), client, server, 5, 0));
        assertEquals(RefusalReason.CLIENT_LIMIT, admission.check(settings(Map.of("max.connections.per.client", "2")), client, server, 3, 2));
        assertNull(admission.check(settings(Map.of("max.connections.per.client", "2")), client, server, 3, 1));
    }
}
