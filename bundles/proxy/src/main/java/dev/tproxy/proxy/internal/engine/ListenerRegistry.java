package dev.tproxy.proxy.internal.engine;

import dev.tproxy.proxy.api.TrafficCounters;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** The engine's listeners by PID, and the summed counters of those removed, so totals never go backwards. */
final class ListenerRegistry {
    private final ConcurrentHashMap<String, ListenerRuntime> byPid = new ConcurrentHashMap<>();
    private volatile TrafficCounters retired = TrafficCounters.zero();

    /** The listener of {@code pid}, made on first use and then handed to {@code whenNew}. */
    ListenerRuntime get(String pid, Consumer<ListenerRuntime> whenNew) {
        return byPid.computeIfAbsent(pid, key -> {
            ListenerRuntime runtime = new ListenerRuntime(key);
            whenNew.accept(runtime);
            return runtime;
        });
    }

    boolean isRegistered(ListenerRuntime listener) {
        return byPid.get(listener.pid()) == listener;
    }

    Collection<ListenerRuntime> all() {
        return List.copyOf(byPid.values());
    }

    /** Forgets a listener; its counters go on counting in the totals. */
    synchronized void remove(ListenerRuntime listener) {
        if (byPid.remove(listener.pid(), listener)) {
            retired = retired.plus(listener.counters().snapshot());
        }
    }

    /** The summed counters of the listeners removed so far. */
    TrafficCounters retired() {
        return retired;
    }

    long bytesFromClient() {
        long sum = retired.bytesFromClient();
        for (ListenerRuntime listener : byPid.values()) {
            sum += listener.counters().bytesFromClient();
        }
        return sum;
    }

    long bytesFromServer() {
        long sum = retired.bytesFromServer();
        for (ListenerRuntime listener : byPid.values()) {
            sum += listener.counters().bytesFromServer();
        }
        return sum;
    }
}
