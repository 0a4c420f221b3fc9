package dev.tproxy.proxy.internal.engine;

import dev.tproxy.socket.api.HandleParking;
import dev.tproxy.socket.api.NativeHandle;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link HandleParking} in memory, without the grace period's reaper: what is left is closed by {@link #close}. */
final class ParkingDouble implements HandleParking, AutoCloseable {
    private final Map<String, Parked> parked = new LinkedHashMap<>();

    @Override
    public synchronized void park(String key, Map<String, Object> state, List<? extends NativeHandle> handles, Duration grace,
            List<Flow> flows) {
        // Flows stand still here: the real lot (native-socket) moves them, tested there.
        Parked previous = parked.put(key, new Parked(key, Map.copyOf(state), List.copyOf(handles), List.copyOf(flows)));
        if (previous != null) {
            previous.handles().forEach(NativeHandle::close);
        }
    }

    @Override
    public long handOver(String socket, Duration timeout) throws IOException {
        throw new IOException("no other process in unit tests");
    }

    @Override
    public synchronized Optional<Parked> claim(String key) {
        return Optional.ofNullable(parked.remove(key));
    }

    @Override
    public synchronized List<String> keys(String prefix) {
        List<String> keys = new ArrayList<>();
        for (String key : parked.keySet()) {
            if (key.startsWith(prefix)) {
                keys.add(key);
            }
        }
        return keys;
    }

    /** Changes what is parked under {@code key}, as a version with other ideas about its state would have. */
    synchronized void tamper(String key, java.util.function.Consumer<Map<String, Object>> change) {
        Parked entry = parked.get(key);
        Map<String, Object> state = new java.util.HashMap<>(entry.state());
        change.accept(state);
        parked.put(key, new Parked(key, state, entry.handles(), entry.flows()));
    }

    /** Changes the flows parked under {@code key}, as the lot would have moved them. */
    synchronized void tamperFlows(String key, java.util.function.UnaryOperator<Flow> change) {
        Parked entry = parked.get(key);
        parked.put(key, new Parked(key, entry.state(), entry.handles(), entry.flows().stream().map(change).toList()));
    }

    synchronized List<Flow> flows(String key) {
        return parked.get(key).flows();
    }

    synchronized int size() {
        return parked.size();
    }

    @Override
    public synchronized void close() {
        parked.values().forEach(entry -> entry.handles().forEach(NativeHandle::close));
        parked.clear();
    }
}
