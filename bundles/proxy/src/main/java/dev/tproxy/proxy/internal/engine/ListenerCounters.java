package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.api.UpstreamFailure;
import java.util.EnumMap;
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

    /** An active connection ended. */
    void countClosed(CloseReason reason) {
        active.decrementAndGet();
        closed.increment();
        closedBy.get(reason).increment();
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
    }

    public TrafficCounters snapshot() {
        Map<RefusalReason, Long> refusals = new EnumMap<>(RefusalReason.class);
        refused.forEach((reason, count) -> refusals.put(reason, count.sum()));
        Map<UpstreamFailure, Long> upstream = new EnumMap<>(UpstreamFailure.class);
        failures.forEach((failure, count) -> upstream.put(failure, count.sum()));
        Map<CloseReason, Long> endings = new EnumMap<>(CloseReason.class);
        closedBy.forEach((reason, count) -> endings.put(reason, count.sum()));
        return new TrafficCounters(accepted.sum(), active.get(), closed.sum(), refusals, upstream,
                bytesFromClient.sum(), bytesFromServer.sum(), endings);
    }
}
