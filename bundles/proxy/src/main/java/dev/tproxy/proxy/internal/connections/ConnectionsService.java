package dev.tproxy.proxy.internal.connections;

import dev.tproxy.proxy.api.ConnectionFilter;
import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.Connections;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.Statistics;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.internal.engine.ListenerRuntime;
import dev.tproxy.proxy.internal.engine.RelayEngine;
import dev.tproxy.proxy.internal.engine.RelayEngineComponent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** {@link Connections} over the relay engine. */
@Component(service = Connections.class)
public final class ConnectionsService implements Connections {
    private final RelayEngine engine;

    @Activate
    public ConnectionsService(@Reference RelayEngineComponent engine) {
        this.engine = engine.engine();
    }

    @Override
    public List<ConnectionInfo> list(ConnectionFilter filter) {
        return engine.connections().stream().filter(filter::matches).toList();
    }

    @Override
    public Optional<ConnectionInfo> get(long id) {
        return Optional.ofNullable(engine.connection(id));
    }

    @Override
    public List<ConnectionInfo> drop(List<Long> ids, DropMode mode) {
        List<ConnectionInfo> dropped = new ArrayList<>();
        for (long id : ids) {
            ConnectionInfo info = engine.drop(id, mode);
            if (info != null) {
                dropped.add(info);
            }
        }
        return dropped;
    }

    @Override
    public List<ConnectionInfo> drop(ConnectionFilter filter, DropMode mode) {
        return drop(list(filter).stream().map(ConnectionInfo::id).toList(), mode);
    }

    @Override
    public Statistics statistics() {
        Map<String, TrafficCounters> perListener = new LinkedHashMap<>();
        TrafficCounters total = engine.retiredCounters();
        for (ListenerRuntime listener : sortedListeners()) {
            TrafficCounters counters = listener.counters().snapshot();
            perListener.merge(listener.name(), counters, TrafficCounters::plus);
            total = total.plus(counters);
        }
        return new Statistics(Instant.now(), perListener, total, engine.throughput().bitsPerSecondFromClient(),
                engine.throughput().bitsPerSecondFromServer(), engine.hotUpdates(), engine.carriedOver());
    }

    @Override
    public List<ListenerInfo> listeners() {
        return sortedListeners().stream().map(ListenerRuntime::info).toList();
    }

    private List<ListenerRuntime> sortedListeners() {
        return engine.listeners().stream().sorted(Comparator.comparing(ListenerRuntime::name)).toList();
    }
}
