package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.Addresses;

import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
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

    /** Counts a new connection from {@code client}; returns how many it had before. */
    int clientOpened(InetAddress client) {
        return perClient.computeIfAbsent(client, c -> new AtomicInteger()).getAndIncrement();
    }

    int fromClient(InetAddress client) {
        AtomicInteger count = perClient.get(client);
        return count == null ? 0 : count.get();
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
