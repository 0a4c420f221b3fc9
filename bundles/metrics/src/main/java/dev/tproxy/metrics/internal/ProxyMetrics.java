package dev.tproxy.metrics.internal;

import dev.tproxy.proxy.api.DurationHistogram;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.ListenerState;
import dev.tproxy.proxy.api.Statistics;
import dev.tproxy.proxy.api.TrafficCounters;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The proxy's counters as Prometheus families, per listener: the same snapshot {@code tproxy:stats} prints (the
 * Connections API), read without touching the event loops.
 */
final class ProxyMetrics {
    private ProxyMetrics() {}

    static void write(PrometheusText out, Statistics statistics, List<ListenerInfo> listeners) {
        Map<String, TrafficCounters> per = statistics.perListener();
        counter(out, per, "tproxy_connections_accepted_total", "Connections accepted from clients.", TrafficCounters::accepted);
        out.family("tproxy_connections_active", "gauge", "Connections open now.");
        per.forEach((listener, c) -> out.sample("tproxy_connections_active", c.active(), "listener", listener));
        counter(out, per, "tproxy_connections_closed_total", "Connections that ended.", TrafficCounters::closed);
        out.family("tproxy_connections_refused_total", "counter",
                "Clients refused with a reset before the upstream connect, by reason (as tproxy:stats).");
        per.forEach((listener, c) -> c.refused().forEach((reason, n) ->
                out.sample("tproxy_connections_refused_total", n, "listener", listener, "reason", label(reason))));
        out.family("tproxy_upstream_failures_total", "counter", "Upstream connects that failed, by reason.");
        per.forEach((listener, c) -> c.upstreamFailures().forEach((reason, n) ->
                out.sample("tproxy_upstream_failures_total", n, "listener", listener, "reason", label(reason))));
        out.family("tproxy_connections_ended_total", "counter", "Connections that ended, by how they ended.");
        per.forEach((listener, c) -> c.closedBy().forEach((reason, n) ->
                out.sample("tproxy_connections_ended_total", n, "listener", listener, "reason", label(reason))));
        out.family("tproxy_bytes_total", "counter", "Bytes relayed, by direction.");
        per.forEach((listener, c) -> {
            out.sample("tproxy_bytes_total", c.bytesFromClient(), "listener", listener, "direction", "from_client");
            out.sample("tproxy_bytes_total", c.bytesFromServer(), "listener", listener, "direction", "from_server");
        });
        durations(out, per);
        out.family("tproxy_listener_up", "gauge", "1 while the listener accepts, 0 when it failed (tproxy:listeners says why).");
        for (ListenerInfo listener : listeners) {
            out.sample("tproxy_listener_up", listener.state() == ListenerState.RUNNING ? 1 : 0, "listener", listener.name());
        }
        out.family("tproxy_hot_updates_total", "counter", "Updates of the proxy bundle that carried its connections over.");
        out.sample("tproxy_hot_updates_total", statistics.hotUpdates());
        out.family("tproxy_parked_connections", "gauge", "Connections the last hot update parked and carried over.");
        out.sample("tproxy_parked_connections", statistics.carriedOver());
    }

    private static void counter(PrometheusText out, Map<String, TrafficCounters> per, String name, String help,
            Function<TrafficCounters, Long> value) {
        out.family(name, "counter", help);
        per.forEach((listener, c) -> out.sample(name, value.apply(c), "listener", listener));
    }

    private static void durations(PrometheusText out, Map<String, TrafficCounters> per) {
        String name = "tproxy_connection_duration_seconds";
        out.family(name, "histogram", "How long connections lasted, from accept to close.");
        per.forEach((listener, c) -> {
            DurationHistogram durations = c.durations();
            long cumulative = 0;
            for (int i = 0; i < DurationHistogram.UPPER_BOUNDS.size(); i++) {
                cumulative += durations.bucketCounts().get(i);
                double bound = DurationHistogram.UPPER_BOUNDS.get(i).toNanos() / 1e9;
                out.sample(name + "_bucket", cumulative, "listener", listener, "le", PrometheusText.number(bound));
            }
            out.sample(name + "_bucket", durations.count(), "listener", listener, "le", "+Inf");
            out.sample(name + "_sum", durations.sumNanos() / 1e9, "listener", listener);
            out.sample(name + "_count", durations.count(), "listener", listener);
        });
    }

    /** The reason's name as tproxy:stats prints it: {@code CONNECTION_LIMIT} becomes {@code connection-limit}. */
    static String label(Enum<?> reason) {
        return reason.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
