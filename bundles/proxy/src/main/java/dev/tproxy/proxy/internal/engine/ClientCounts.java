package dev.tproxy.proxy.internal.engine;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Live connections per client address of one listener (max.connections.per.client); any thread. */
final class ClientCounts {
    private final ConcurrentHashMap<InetAddress, AtomicInteger> counts = new ConcurrentHashMap<>();

    /** Counts one more connection from {@code client} unless {@code limit} are live already (atomically). */
    boolean tryAdd(InetAddress client, int limit) {
        boolean[] added = {false};
        counts.compute(client, (c, count) -> {
            AtomicInteger current = count == null ? new AtomicInteger() : count;
            if (current.get() < limit) {
                current.incrementAndGet();
                added[0] = true;
            }
            return current.get() == 0 ? null : current;
        });
        return added[0];
    }

    void add(InetAddress client) {
        counts.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
    }

    void remove(InetAddress client) {
        counts.computeIfPresent(client, (c, count) -> count.decrementAndGet() <= 0 ? null : count);
    }
}
