package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.DurationHistogram;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.api.UpstreamFailure;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A listener's counters, updated by every event loop without locks. The connection counts are written by
 * {@link Admission} only; the byte counts by the relays.
 */
public final class ListenerCounters {
    private final LongAdder accepted = new LongAdder();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder closed = new LongAdder();
    private final LongAdder bytesFromClient = new LongAdder();
    private final LongAdder bytesFromServer = new LongAdder();
    private final Map<RefusalReason, LongAdder> refused = new EnumMap<>(RefusalReason.class);
    private final Map<UpstreamFailure, LongAdder> failures = new EnumMap<>(UpstreamFailure.class);
    private final Map<CloseReason, LongAdder> closedBy = new EnumMap<>(CloseReason.class);
    private final LongAdder[] durationBuckets = new LongAdder[DurationHistogram.UPPER_BOUNDS.size() + 1];
    private final LongAdder durationNanos = new LongAdder();

    public ListenerCounters() {
        for (RefusalReason reason : RefusalReason.values()) {
            refused.put(reason, new LongAdder());
        }
        for (UpstreamFailure failure : UpstreamFailure.values()) {
            failures.put(failure, new LongAdder());
        }
        for (CloseReason reason : CloseReason.values()) {
            closedBy.put(reason, new LongAdder());
        }
        for (int i = 0; i < durationBuckets.length; i++) {
            durationBuckets[i] = new LongAdder();
        }
    }

    void countAccepted() {
        accepted.increment();
    }

    void countRefused(RefusalReason reason) {
        refused.get(reason).increment();
    }

    /** Counts one more active connection unless {@code max} are active already; atomic across loops. */
    boolean tryCountActive(int max) {
        while (true) {
            int now = active.get();
            if (now >= max) {
                return false;
            }
            if (active.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Counts an active connection whatever the limit (one carried over from the previous version). */
    void countActive() {
        active.incrementAndGet();
    }

    /** Takes back a {@link #tryCountActive} whose connection never started. */
    void withdrawActive() {
        active.decrementAndGet();
    }

    /** An active connection ended, after {@code nanos} (0 for one that never started relaying). */
    void countClosed(CloseReason reason, long nanos) {
        active.decrementAndGet();
        closed.increment();
        closedBy.get(reason).increment();
        durationBuckets[DurationHistogram.bucketOf(nanos)].increment();
        durationNanos.add(nanos);
    }

    void countUpstreamFailure(UpstreamFailure failure) {
        failures.get(failure).increment();
    }

    void addFromClient(long bytes) {
        bytesFromClient.add(bytes);
    }

    void addFromServer(long bytes) {
        bytesFromServer.add(bytes);
    }

    long bytesFromClient() {
        return bytesFromClient.sum();
    }

    long bytesFromServer() {
        return bytesFromServer.sum();
    }

    /** Adds cumulative counters carried over from an earlier version (active counts are counted anew). */
    void add(TrafficCounters earlier) {
        accepted.add(earlier.accepted());
        closed.add(earlier.closed());
        bytesFromClient.add(earlier.bytesFromClient());
        bytesFromServer.add(earlier.bytesFromServer());
        earlier.refused().forEach((reason, count) -> refused.get(reason).add(count));
        earlier.upstreamFailures().forEach((failure, count) -> failures.get(failure).add(count));
        earlier.closedBy().forEach((reason, count) -> closedBy.get(reason).add(count));
        for (int i = 0; i < durationBuckets.length; i++) {
            durationBuckets[i].add(earlier.durations().bucketCounts().get(i));
        }
        durationNanos.add(earlier.durations().sumNanos());
    }

    public TrafficCounters snapshot() {
        Map<RefusalReason, Long> refusals = new EnumMap<>(RefusalReason.class);
        refused.forEach((reason, count) -> refusals.put(reason, count.sum()));
        Map<UpstreamFailure, Long> upstream = new EnumMap<>(UpstreamFailure.class);
        failures.forEach((failure, count) -> upstream.put(failure, count.sum()));
        Map<CloseReason, Long> endings = new EnumMap<>(CloseReason.class);
        closedBy.forEach((reason, count) -> endings.put(reason, count.sum()));
        List<Long> buckets = new ArrayList<>(durationBuckets.length);
        for (LongAdder bucket : durationBuckets) {
            buckets.add(bucket.sum());
        }
        return new TrafficCounters(accepted.sum(), active.get(), closed.sum(), refusals, upstream,
                bytesFromClient.sum(), bytesFromServer.sum(), endings, new DurationHistogram(buckets, durationNanos.sum()));
    }
}
