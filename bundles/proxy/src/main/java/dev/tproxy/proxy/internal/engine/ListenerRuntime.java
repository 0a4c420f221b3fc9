package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.Addresses;

import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.socket.api.ListeningSocket;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the event loops share about one listener: its settings in force (swapped whole on a live change),
 * its counters, per-client connection counts, its sockets and state.
 */
public final class ListenerRuntime {
    private final String pid;
    private final ListenerCounters counters = new ListenerCounters();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private volatile ListenerSettings settings;
    private volatile List<ListeningSocket> sockets = List.of();
    private volatile ListenerState state = ListenerState.FAILED;
    private volatile String lastError;

    ListenerRuntime(String pid) {
        this.pid = pid;
    }

    public String pid() {
        return pid;
    }

    public String name() {
        ListenerSettings current = settings;
        return current == null ? pid : current.name();
    }

    public ListenerSettings settings() {
        return settings;
    }

    public void settings(ListenerSettings next) {
        settings = next;
    }

    public ListenerCounters counters() {
        return counters;
    }

    public List<ListeningSocket> sockets() {
        return sockets;
    }

    public void sockets(List<ListeningSocket> next) {
        sockets = List.copyOf(next);
    }

    public void state(ListenerState next, String error) {
        state = next;
        lastError = error;
    }

    public void lastError(String error) {
        lastError = error;
    }

    public ListenerState state() {
        return state;
    }

    /** Counts a connection from {@code client} that is already relaying (adopted after an update). */
    void clientOpened(InetAddress client) {
        perClient.computeIfAbsent(client, c -> new AtomicInteger()).incrementAndGet();
    }

    /**
     * Reserves a place for a new connection from {@code client} under the listener's and the per-client limit,
     * atomically (several loops admit at once), or says which limit refuses it. {@link #release} gives it back.
     */
    RefusalReason reserve(InetAddress client, ListenerSettings limits) {
        if (!counters.tryOpen(limits.maxConnections())) {
            return RefusalReason.CONNECTION_LIMIT;
        }
        int perClientLimit = limits.maxConnectionsPerClient() > 0 ? limits.maxConnectionsPerClient() : Integer.MAX_VALUE;
        boolean[] admitted = {false};
        perClient.compute(client, (c, count) -> {
            AtomicInteger current = count == null ? new AtomicInteger() : count;
            if (current.get() < perClientLimit) {
                current.incrementAndGet();
                admitted[0] = true;
            }
            return current.get() == 0 ? null : current;
        });
        if (!admitted[0]) {
            counters.unopened();
            return RefusalReason.CLIENT_LIMIT;
        }
        return null;
    }

    /** Gives back a reservation whose connection never started. */
    void release(InetAddress client) {
        counters.unopened();
        clientClosed(client);
    }

    void clientClosed(InetAddress client) {
        perClient.computeIfPresent(client, (c, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    public ListenerInfo info() {
        ListenerSettings current = settings;
        List<String> bound = sockets.stream().map(s -> Addresses.format(s.localAddress())).toList();
        return new ListenerInfo(name(), pid, state, bound, current == null ? java.util.Map.of() : current.describe(),
                lastError, counters.snapshot());
    }
}
