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
        assertNull(admission.check(settings(Map.of()), client, server));
    }

    @Test
    void refusesClientsOutsideTheAllowedNetworks() {
        ListenerSettings onlyV6 = settings(Map.of("allowed.clients", new String[] {"2001:2::/48"}));
        assertEquals(RefusalReason.ACL, admission.check(onlyV6, client, server));
    }

    @Test
    void refusesADestinationThatIsTheProxyItself() {
        assertEquals(RefusalReason.LOOP, admission.check(settings(Map.of()), client, new InetSocketAddress("127.0.0.1", 9876)));
        assertNull(admission.check(settings(Map.of()), client, new InetSocketAddress("198.18.2.2", 9876)));
    }

    @Test
    void reservesAtomicallyUnderTheListenerAndPerClientLimits() throws Exception {
        ListenerRuntime runtime = new ListenerRuntime("test");
        ListenerSettings limits = settings(Map.of("max.connections", "3", "max.connections.per.client", "2"));
        java.net.InetAddress a = java.net.InetAddress.getByName("198.18.1.2");
        java.net.InetAddress b = java.net.InetAddress.getByName("198.18.1.3");
        assertNull(runtime.reserve(a, limits));
        assertNull(runtime.reserve(a, limits));
        assertEquals(RefusalReason.CLIENT_LIMIT, runtime.reserve(a, limits));
        assertNull(runtime.reserve(b, limits));
        assertEquals(RefusalReason.CONNECTION_LIMIT, runtime.reserve(b, limits));
        runtime.release(a);
        assertNull(runtime.reserve(b, limits));
        assertEquals(3, runtime.counters().snapshot().active());
    }

    @Test
    void manyThreadsNeverOvershootTheLimits() throws Exception {
        ListenerRuntime runtime = new ListenerRuntime("test");
        ListenerSettings limits = settings(Map.of("max.connections", "1000", "max.connections.per.client", "500"));
        java.net.InetAddress a = java.net.InetAddress.getByName("198.18.1.2");
        java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
        Thread[] threads = new Thread[8];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 200; i++) {
                    if (runtime.reserve(a, limits) == null) {
                        admitted.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(500, admitted.get());
    }
}
