package dev.tproxy.proxy.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.proxy.internal.config.ListenerConfigs;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AdmissionTest {
    private final Admission admission = new Admission(new DestinationPolicy(new LocalAddresses()));
    private final ListenerRuntime listener = new ListenerRuntime("test");
    private final InetSocketAddress client = new InetSocketAddress("198.18.1.2", 40000);
    private final InetSocketAddress otherClient = new InetSocketAddress("198.18.1.3", 40000);
    private final InetSocketAddress server = new InetSocketAddress("198.18.2.2", 80);

    private static ListenerSettings settings(Map<String, Object> values) {
        return ListenerSettings.from(ListenerConfigs.of(values));
    }

    private RefusalReason admit(ListenerSettings settings, InetSocketAddress from) {
        return admission.admit(listener, settings, from, server);
    }

    @Test
    void admitsWithinTheLimits() {
        assertNull(admit(settings(Map.of()), client));
        assertEquals(1, listener.counters().snapshot().active());
    }

    @Test
    void refusesClientsOutsideTheAllowedNetworks() {
        ListenerSettings onlyV6 = settings(Map.of("allowed.clients", new String[] {"2001:2::/48"}));
        assertEquals(RefusalReason.ACL, admit(onlyV6, client));
        assertEquals(1, listener.counters().snapshot().refused().get(RefusalReason.ACL));
    }

    @Test
    void refusesDestinationsThePolicyForbids() {
        assertEquals(RefusalReason.DESTINATION, admission.check(settings(Map.of()), client, new InetSocketAddress("127.0.0.1", 9876)));
        assertNull(admission.check(settings(Map.of()), client, new InetSocketAddress("198.18.2.2", 9876)));
    }

    @Test
    void reservesUnderTheListenerAndPerClientLimitsAndGivesPlacesBackWhenConnectionsEnd() {
        ListenerSettings limits = settings(Map.of("max.connections", "3", "max.connections.per.client", "2"));
        assertNull(admit(limits, client));
        assertNull(admit(limits, client));
        assertEquals(RefusalReason.CLIENT_LIMIT, admit(limits, client));
        assertNull(admit(limits, otherClient));
        assertEquals(RefusalReason.CONNECTION_LIMIT, admit(limits, otherClient));

        admission.closed(listener, client.getAddress(), CloseReason.COMPLETED, null, 5_000_000);
        assertNull(admit(limits, otherClient), "a closed connection gives its place back");
        assertEquals(RefusalReason.CLIENT_LIMIT, admit(limits, otherClient), "the per-client place was not left behind");
        assertEquals(3, listener.counters().snapshot().active());
    }

    @Test
    void everyAcceptedClientIsRefusedActiveOrClosed() {
        ListenerSettings limits = settings(Map.of("max.connections", "2"));
        admit(limits, client);
        admit(limits, client);
        admit(limits, client);
        admission.closed(listener, client.getAddress(), CloseReason.UPSTREAM_FAILED, UpstreamFailure.REFUSED, 0);
        admit(limits, otherClient);
        admission.withdraw(listener, otherClient.getAddress(), RefusalReason.NO_FILE_DESCRIPTORS);
        admission.refuse(listener, RefusalReason.NO_FILE_DESCRIPTORS);

        TrafficCounters counts = listener.counters().snapshot();
        assertEquals(5, counts.accepted());
        assertEquals(counts.accepted(), counts.refusedTotal() + counts.active() + counts.closed());
        assertEquals(1, counts.active());
        assertEquals(1, counts.closed());
        assertEquals(1, counts.upstreamFailures().get(UpstreamFailure.REFUSED));
        assertEquals(2, counts.refused().get(RefusalReason.NO_FILE_DESCRIPTORS));
        assertEquals(1, counts.refused().get(RefusalReason.CONNECTION_LIMIT));
        assertEquals(counts.closed(), counts.durations().count(), "every ending is in the durations histogram");
    }

    @Test
    void eachEndingFallsInTheBucketOfHowLongItLasted() {
        ListenerSettings limits = settings(Map.of());
        for (long nanos : new long[] {5_000_000L, 50_000_000L, 2_000_000_000L, 7_200_000_000_000L}) {
            admit(limits, client);
            admission.closed(listener, client.getAddress(), CloseReason.COMPLETED, null, nanos);
        }
        var durations = listener.counters().snapshot().durations();
        assertEquals(java.util.List.of(1L, 1L, 0L, 1L, 0L, 0L, 0L, 1L), durations.bucketCounts(),
                "<= 10 ms, <= 100 ms, <= 1 s, <= 10 s, <= 1 min, <= 10 min, <= 1 h, longer");
        assertEquals(5_000_000L + 50_000_000L + 2_000_000_000L + 7_200_000_000_000L, durations.sumNanos());
    }

    @Test
    void connectionsCarriedOverCountWhateverTheLimits() {
        ListenerSettings limits = settings(Map.of("max.connections", "1", "max.connections.per.client", "1"));
        admission.carriedOver(listener, client.getAddress());
        admission.carriedOver(listener, client.getAddress());
        assertEquals(2, listener.counters().snapshot().active());
        assertEquals(RefusalReason.CLIENT_LIMIT, admit(limits, client));
        admission.closed(listener, client.getAddress(), CloseReason.COMPLETED, null, 5_000_000);
        admission.closed(listener, client.getAddress(), CloseReason.COMPLETED, null, 5_000_000);
        assertNull(admit(limits, client));
    }

    @Test
    void manyThreadsNeverOvershootTheLimits() throws Exception {
        ListenerSettings limits = settings(Map.of("max.connections", "1000", "max.connections.per.client", "500"));
        AtomicInteger admitted = new AtomicInteger();
        Thread[] threads = new Thread[8];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 200; i++) {
                    if (admit(limits, client) == null) {
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
        assertEquals(500, listener.counters().snapshot().active());
    }
}
