package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.api.UpstreamFailure;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** A listener's counters, updated by every event loop without locks. */
public final class ListenerCounters {
    private final LongAdder accepted = new LongAdder();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder closed = new LongAdder();
    private final LongAdder bytesFromClient = new LongAdder();
    private final LongAdder bytesFromServer = new LongAdder();
    private final Map<RefusalReason, LongAdder> refused = new EnumMap<>(RefusalReason.class);
    private final Map<UpstreamFailure, LongAdder> failures = new EnumMap<>(UpstreamFailure.class);

    public ListenerCounters() {
        for (RefusalReason reason : RefusalReason.values()) {
            refused.put(reason, new LongAdder());
        }
        for (UpstreamFailure failure : UpstreamFailure.values()) {
            failures.put(failure, new LongAdder());
        }
    }

    void accepted() {
        accepted.increment();
    }

    void opened() {
        active.incrementAndGet();
    }

    /** Counts one more active connection unless {@code max} are active already; atomic across loops. */
    boolean tryOpen(int max) {
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

    /** Takes back a {@link #tryOpen} whose connection never started. */
    void unopened() {
        active.decrementAndGet();
    }

    void closed() {
        active.decrementAndGet();
        closed.increment();
    }

    void refused(RefusalReason reason) {
        refused.get(reason).increment();
    }

    void upstreamFailed(UpstreamFailure failure) {
        failures.get(failure).increment();
    }

    void fromClient(long bytes) {
        bytesFromClient.add(bytes);
    }

    void fromServer(long bytes) {
        bytesFromServer.add(bytes);
    }

    long bytesFromClient() {
        return bytesFromClient.sum();
    }

    long bytesFromServer() {
        return bytesFromServer.sum();
    }

    /** The cumulative counters in JDK types, for parking across an update (active counts are re-derived). */
    Map<String, Object> park() {
        Map<String, Object> state = new java.util.HashMap<>();
        state.put("accepted", accepted.sum());
        state.put("closed", closed.sum());
        state.put("bytesFromClient", bytesFromClient.sum());
        state.put("bytesFromServer", bytesFromServer.sum());
        refused.forEach((reason, count) -> state.put("refused." + reason.name(), count.sum()));
        failures.forEach((failure, count) -> state.put("failed." + failure.name(), count.sum()));
        return state;
    }

    /** Adds counters parked by an earlier version; names this version does not know are ignored. */
    void restore(Map<String, Object> state) {
        add(accepted, state.get("accepted"));
        add(closed, state.get("closed"));
        add(bytesFromClient, state.get("bytesFromClient"));
        add(bytesFromServer, state.get("bytesFromServer"));
        refused.forEach((reason, count) -> add(count, state.get("refused." + reason.name())));
        failures.forEach((failure, count) -> add(count, state.get("failed." + failure.name())));
    }

    private static void add(LongAdder adder, Object value) {
        if (value instanceof Long number) {
            adder.add(number);
        }
    }

    public TrafficCounters snapshot() {
        Map<RefusalReason, Long> refusals = new EnumMap<>(RefusalReason.class);
        refused.forEach((reason, count) -> refusals.put(reason, count.sum()));
        Map<UpstreamFailure, Long> upstream = new EnumMap<>(UpstreamFailure.class);
        failures.forEach((failure, count) -> upstream.put(failure, count.sum()));
        return new TrafficCounters(accepted.sum(), active.get(), closed.sum(), refusals, upstream,
                bytesFromClient.sum(), bytesFromServer.sum());
    }
}
