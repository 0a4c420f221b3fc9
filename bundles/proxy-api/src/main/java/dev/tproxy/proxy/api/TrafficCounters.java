package dev.tproxy.proxy.api;

import java.util.EnumMap;
import java.util.Map;

/**
 * Counters of one listener, or the totals of all.
 *
 * @param accepted connections accepted from clients
 * @param active connections open now
 * @param closed connections that ended (any reason)
 * @param refused refusals by reason
 * @param upstreamFailures failed upstream connects by reason
 * @param bytesFromClient bytes relayed client to server
 * @param bytesFromServer bytes relayed server to client
 * @param closedBy the connections that ended, by reason (their sum is {@code closed})
 * @param durations how long the connections that ended had lasted (their count is {@code closed})
 */
public record TrafficCounters(long accepted, long active, long closed, Map<RefusalReason, Long> refused,
        Map<UpstreamFailure, Long> upstreamFailures, long bytesFromClient, long bytesFromServer,
        Map<CloseReason, Long> closedBy, DurationHistogram durations) {

    public TrafficCounters {
        refused = Map.copyOf(filled(refused, RefusalReason.class));
        upstreamFailures = Map.copyOf(filled(upstreamFailures, UpstreamFailure.class));
        closedBy = Map.copyOf(filled(closedBy, CloseReason.class));
        durations = durations == null ? DurationHistogram.empty() : durations;
    }

    /** Counters without the connections' durations (as API 1.1 had them). */
    public TrafficCounters(long accepted, long active, long closed, Map<RefusalReason, Long> refused,
            Map<UpstreamFailure, Long> upstreamFailures, long bytesFromClient, long bytesFromServer,
            Map<CloseReason, Long> closedBy) {
        this(accepted, active, closed, refused, upstreamFailures, bytesFromClient, bytesFromServer, closedBy, null);
    }

    /** Counters without the reasons connections ended (as API 1.0 had them). */
    public TrafficCounters(long accepted, long active, long closed, Map<RefusalReason, Long> refused,
            Map<UpstreamFailure, Long> upstreamFailures, long bytesFromClient, long bytesFromServer) {
        this(accepted, active, closed, refused, upstreamFailures, bytesFromClient, bytesFromServer, Map.of());
    }

    private static <K extends Enum<K>> Map<K, Long> filled(Map<K, Long> counts, Class<K> type) {
        EnumMap<K, Long> all = new EnumMap<>(type);
        for (K key : type.getEnumConstants()) {
            all.put(key, counts.getOrDefault(key, 0L));
        }
        return all;
    }

    public long refusedTotal() {
        return refused.values().stream().mapToLong(Long::longValue).sum();
    }

    public long upstreamFailuresTotal() {
        return upstreamFailures.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The sum of two sets of counters. */
    public TrafficCounters plus(TrafficCounters other) {
        EnumMap<RefusalReason, Long> refusals = new EnumMap<>(refused);
        other.refused.forEach((k, v) -> refusals.merge(k, v, Long::sum));
        EnumMap<UpstreamFailure, Long> failures = new EnumMap<>(upstreamFailures);
        other.upstreamFailures.forEach((k, v) -> failures.merge(k, v, Long::sum));
        EnumMap<CloseReason, Long> endings = new EnumMap<>(closedBy);
        other.closedBy.forEach((k, v) -> endings.merge(k, v, Long::sum));
        return new TrafficCounters(accepted + other.accepted, active + other.active, closed + other.closed, refusals,
                failures, bytesFromClient + other.bytesFromClient, bytesFromServer + other.bytesFromServer, endings,
                durations.plus(other.durations));
    }

    public static TrafficCounters zero() {
        return new TrafficCounters(0, 0, 0, Map.of(), Map.of(), 0, 0);
    }
}
