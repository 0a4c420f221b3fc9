package dev.tproxy.shell.internal;

import dev.tproxy.proxy.api.Addresses;
import dev.tproxy.proxy.api.ConnectionFilter;
import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.Statistics;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.shell.internal.doctor.CheckResult;
import dev.tproxy.shell.internal.doctor.DoctorReport;
import dev.tproxy.shell.internal.doctor.DoctorSettings;
import dev.tproxy.shell.internal.doctor.Status;
import java.util.List;
import java.util.Map;

/**
 * The shell's output for scripts ({@code --json}): one JSON object per command, exact numbers (bytes, milliseconds,
 * bits per second), addresses as {@code host:port} strings, states and reasons as their lower-case labels.
 */
final class JsonFormat {
    private JsonFormat() {}

    static String connections(List<ConnectionInfo> connections, ConnectionFilter filter) {
        JsonWriter json = new JsonWriter().beginObject().field("filter", filter.toString()).name("connections");
        connectionArray(json, connections);
        return json.endObject().toString();
    }

    static String info(ConnectionInfo connection) {
        JsonWriter json = new JsonWriter();
        connection(json, connection);
        return json.toString();
    }

    static String dropped(List<ConnectionInfo> dropped, DropMode mode, List<Long> notLive) {
        JsonWriter json = new JsonWriter().beginObject().field("mode", Units.label(mode)).name("dropped");
        connectionArray(json, dropped);
        json.name("notLive").beginArray();
        notLive.forEach(json::value);
        return json.endArray().endObject().toString();
    }

    static String stats(Statistics statistics) {
        JsonWriter json = new JsonWriter().beginObject().field("takenAt", statistics.takenAt().toString())
                .field("bitsPerSecondFromClient", statistics.bitsPerSecondFromClient())
                .field("bitsPerSecondFromServer", statistics.bitsPerSecondFromServer()).name("total");
        counters(json, statistics.total());
        json.name("listeners").beginObject();
        for (Map.Entry<String, TrafficCounters> listener : statistics.perListener().entrySet()) {
            counters(json.name(listener.getKey()), listener.getValue());
        }
        return json.endObject().endObject().toString();
    }

    static String listeners(List<ListenerInfo> listeners) {
        JsonWriter json = new JsonWriter().beginObject().name("listeners").beginArray();
        for (ListenerInfo listener : listeners) {
            json.beginObject().field("name", listener.name()).field("pid", listener.pid())
                    .field("state", Units.label(listener.state())).name("boundAddresses").beginArray();
            listener.boundAddresses().forEach(json::value);
            json.endArray().name("settings").beginObject();
            listener.settings().forEach(json::field);
            json.endObject().field("lastError", listener.lastError()).name("counters");
            counters(json, listener.counters());
            json.endObject();
        }
        return json.endArray().endObject().toString();
    }

    static String doctor(DoctorReport report, DoctorSettings settings) {
        JsonWriter json = new JsonWriter().beginObject().field("mark", settings.mark()).field("table", settings.table())
                .field("status", report.worst().name()).field("ok", report.count(Status.OK))
                .field("warn", report.count(Status.WARN)).field("fail", report.count(Status.FAIL)).name("checks")
                .beginArray();
        for (CheckResult result : report.results()) {
            json.beginObject().field("status", result.status().name()).field("check", result.check())
                    .field("detail", result.detail()).field("fix", result.fix()).endObject();
        }
        return json.endArray().endObject().toString();
    }

    private static void connectionArray(JsonWriter json, List<ConnectionInfo> connections) {
        json.beginArray();
        connections.forEach(connection -> connection(json, connection));
        json.endArray();
    }

    private static void connection(JsonWriter json, ConnectionInfo c) {
        json.beginObject().field("id", c.id()).field("listener", c.listener())
                .field("client", Addresses.format(c.client())).field("destination", Addresses.format(c.destination()))
                .field("upstreamSource", c.upstreamSource() == null ? null : Addresses.format(c.upstreamSource()))
                .field("state", c.state().label()).field("started", c.started() == null ? null : c.started().toString())
                .field("ageMillis", c.age().toMillis()).field("idleMillis", c.idle().toMillis())
                .field("bytesFromClient", c.bytesFromClient()).field("bytesFromServer", c.bytesFromServer())
                .field("clientFd", c.clientFd()).field("upstreamFd", c.upstreamFd())
                .field("pipedFromClient", c.pipedFromClient()).field("pipedFromServer", c.pipedFromServer())
                .endObject();
    }

    private static void counters(JsonWriter json, TrafficCounters counters) {
        json.beginObject().field("accepted", counters.accepted()).field("active", counters.active())
                .field("closed", counters.closed()).name("refused").beginObject();
        for (RefusalReason reason : RefusalReason.values()) {
            json.field(Units.label(reason), counters.refused().get(reason));
        }
        json.endObject().name("upstreamFailures").beginObject();
        for (UpstreamFailure failure : UpstreamFailure.values()) {
            json.field(Units.label(failure), counters.upstreamFailures().get(failure));
        }
        json.endObject().name("closedBy").beginObject();
        for (CloseReason reason : CloseReason.values()) {
            json.field(Units.label(reason), counters.closedBy().get(reason));
        }
        json.endObject().field("bytesFromClient", counters.bytesFromClient())
                .field("bytesFromServer", counters.bytesFromServer()).endObject();
    }
}
