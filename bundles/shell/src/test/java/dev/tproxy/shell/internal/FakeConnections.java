package dev.tproxy.shell.internal;

import dev.tproxy.proxy.api.ConnectionFilter;
import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.ConnectionState;
import dev.tproxy.proxy.api.Connections;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.Statistics;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.api.UpstreamFailure;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@link Connections} over fixed data that records what the shell asked of it. */
final class FakeConnections implements Connections {
    final List<ConnectionInfo> live = new ArrayList<>();
    final List<ListenerInfo> listeners = new ArrayList<>();
    Statistics statistics;
    ConnectionFilter listed;
    ConnectionFilter droppedByFilter;
    List<Long> droppedIds;
    DropMode dropMode;

    static FakeConnections sample() {
        FakeConnections fake = new FakeConnections();
        fake.live.add(connection(7, "default", "198.18.1.2", 40000, "198.18.2.2", 80, ConnectionState.RELAYING,
                Duration.ofSeconds(185), Duration.ofSeconds(2), 1_288_490, 512));
        fake.live.add(connection(12, "lan6", "2001:2:0:1::2", 51000, "2001:2:0:2::2", 443,
                ConnectionState.CLIENT_HALF_CLOSED, Duration.ofMillis(850), Duration.ofMillis(850), 0, 3_221_225_472L));
        fake.listeners.add(listener("default", "0.0.0.0:9876", 9876, 10000));
        fake.listeners.add(listener("lan6", "[::]:9877", 9877, 100));
        Map<String, TrafficCounters> per = new LinkedHashMap<>();
        per.put("default", new TrafficCounters(120, 1, 119, Map.of(RefusalReason.ACL, 3L, RefusalReason.LOOP, 1L),
                Map.of(UpstreamFailure.TIMEOUT, 2L), 5_000_000, 70_000_000));
        per.put("lan6", new TrafficCounters(5, 1, 4, Map.of(RefusalReason.CONNECTION_LIMIT, 9L),
                Map.of(UpstreamFailure.REFUSED, 1L, UpstreamFailure.UNREACHABLE, 4L), 100, 2048));
        fake.statistics = new Statistics(Instant.parse("2026-11-25T09:00:00Z"), per,
                per.get("default").plus(per.get("lan6")), 12_300_000, 940_000_000);
        return fake;
    }

    static ConnectionInfo connection(long id, String listener, String client, int clientPort, String destination,
            int port, ConnectionState state, Duration age, Duration idle, long fromClient, long fromServer) {
        InetSocketAddress clientAddress = new InetSocketAddress(client, clientPort);
        return new ConnectionInfo(id, listener, clientAddress, new InetSocketAddress(destination, port),
                state == ConnectionState.CONNECTING ? null : clientAddress, state,
                Instant.parse("2026-11-25T08:56:55Z"), age, idle, fromClient, fromServer, 40 + (int) id, 41 + (int) id,
                65536, 0);
    }

    static ListenerInfo listener(String name, String bound, int port, int maxConnections) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("name", name);
        settings.put("port", String.valueOf(port));
        settings.put("bind.addresses", bound.startsWith("[") ? "::" : "0.0.0.0");
        settings.put("source.mode", "client");
        settings.put("max.connections", String.valueOf(maxConnections));
        return new ListenerInfo(name, "dev.tproxy.listener~" + name, ListenerState.RUNNING, List.of(bound), settings,
                null, TrafficCounters.zero());
    }

    @Override
    public List<ConnectionInfo> list(ConnectionFilter filter) {
        listed = filter;
        return live.stream().filter(filter::matches).toList();
    }

    @Override
    public Optional<ConnectionInfo> get(long id) {
        return live.stream().filter(c -> c.id() == id).findFirst();
    }

    @Override
    public List<ConnectionInfo> drop(List<Long> ids, DropMode mode) {
        droppedIds = ids;
        dropMode = mode;
        return live.stream().filter(c -> ids.contains(c.id())).toList();
    }

    @Override
    public List<ConnectionInfo> drop(ConnectionFilter filter, DropMode mode) {
        droppedByFilter = filter;
        dropMode = mode;
        return live.stream().filter(filter::matches).toList();
    }

    @Override
    public Statistics statistics() {
        return statistics;
    }

    @Override
    public List<ListenerInfo> listeners() {
        return listeners;
    }
}
