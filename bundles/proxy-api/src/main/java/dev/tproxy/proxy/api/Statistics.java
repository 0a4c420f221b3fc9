package dev.tproxy.proxy.api;

import java.time.Instant;
import java.util.Map;

/**
 * Counters per listener and their totals, taken at one moment.
 *
 * @param takenAt when the counters were read
 * @param perListener counters by listener name
 * @param total the sum over all listeners (including listeners since removed)
 * @param bitsPerSecondFromClient current client-to-server throughput (averaged over the last seconds)
 * @param bitsPerSecondFromServer current server-to-client throughput
 * @param hotUpdates updates of the proxy bundle that carried its connections over, since the runtime started
 * @param carriedOver the connections the last of them carried over
 */
public record Statistics(Instant takenAt, Map<String, TrafficCounters> perListener, TrafficCounters total,
        long bitsPerSecondFromClient, long bitsPerSecondFromServer, long hotUpdates, int carriedOver) {

    /** Statistics without the hot updates (as API 1.1 had them). */
    public Statistics(Instant takenAt, Map<String, TrafficCounters> perListener, TrafficCounters total,
            long bitsPerSecondFromClient, long bitsPerSecondFromServer) {
        this(takenAt, perListener, total, bitsPerSecondFromClient, bitsPerSecondFromServer, 0, 0);
    }
}
