package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.Addresses;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.internal.config.ListenerSettings;
import dev.tproxy.socket.api.ListeningSocket;
import java.util.List;
import java.util.Map;

/**
 * What the event loops share about one listener: its settings in force (swapped whole on a live change), its
 * counters, its live connections per client, its sockets and state.
 */
public final class ListenerRuntime {
    private final String pid;
    private final ListenerCounters counters = new ListenerCounters();
    private final ClientCounts clients = new ClientCounts();
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

    ClientCounts clients() {
        return clients;
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

    public ListenerInfo info() {
        ListenerSettings current = settings;
        List<String> bound = sockets.stream().map(s -> Addresses.format(s.localAddress())).toList();
        return new ListenerInfo(name(), pid, state, bound, current == null ? Map.of() : current.describe(),
                lastError, counters.snapshot());
    }
}
