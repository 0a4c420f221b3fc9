package dev.tproxy.shell.internal;

import dev.tproxy.proxy.api.Addresses;
import dev.tproxy.proxy.api.ConnectionFilter;
import dev.tproxy.proxy.api.CloseReason;
import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.Durations;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.proxy.api.RefusalReason;
import dev.tproxy.proxy.api.Statistics;
import dev.tproxy.proxy.api.TrafficCounters;
import dev.tproxy.proxy.api.UpstreamFailure;
import dev.tproxy.shell.internal.doctor.CheckResult;
import dev.tproxy.shell.internal.doctor.DoctorReport;
import dev.tproxy.shell.internal.doctor.DoctorSettings;
import dev.tproxy.shell.internal.doctor.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The shell's output for people: aligned tables with stable upper-case headers, sizes like {@code 1.2 MiB},
 * durations like {@code 3m05s}, addresses like {@code [2001:2::2]:80}. No line ends in blanks.
 */
final class TextFormat {
    static final String[] CONNECTION_COLUMNS = {"ID", "LISTENER", "CLIENT", "DESTINATION", "UPSTREAM-SOURCE", "STATE",
        "AGE", "IDLE", "FROM-CLIENT", "FROM-SERVER"};
    static final String[] LISTENER_COLUMNS = {"NAME", "STATE", "BOUND", "ACTIVE", "ACCEPTED", "REFUSED", "LAST-ERROR"};

    private TextFormat() {}

    static String connections(List<ConnectionInfo> connections, ConnectionFilter filter) {
        String matching = filter.isEmpty() ? "" : " matching " + filter;
        return table(connections) + "\n" + count(connections.size(), "connection") + matching;
    }

    static String info(ConnectionInfo c) {
        Table table = new Table("FIELD", "VALUE");
        table.row("id", c.id()).row("listener", c.listener()).row("state", c.state().label())
                .row("client", Addresses.format(c.client())).row("destination", Addresses.format(c.destination()))
                .row("upstream source", Addresses.format(c.upstreamSource())).row("started", c.started())
                .row("age", Durations.format(c.age())).row("idle", Durations.format(c.idle()))
                .row("bytes from client", sizeAndCount(c.bytesFromClient()))
                .row("bytes from server", sizeAndCount(c.bytesFromServer()))
                .row("client fd", fd(c.clientFd())).row("upstream fd", fd(c.upstreamFd()))
                .row("pipe fill from client", sizeAndCount(c.pipedFromClient()))
                .row("pipe fill from server", sizeAndCount(c.pipedFromServer()));
        return table.render();
    }

    static String dropped(List<ConnectionInfo> dropped, DropMode mode, List<Long> notLive, String selection) {
        String how = mode == DropMode.RESET ? "reset: RST to both peers" : "graceful: FIN to both peers";
        StringBuilder text = new StringBuilder();
        if (dropped.isEmpty()) {
            text.append("dropped nothing: no live connection ").append(selection);
        } else {
            text.append("dropped ").append(count(dropped.size(), "connection")).append(" (").append(how).append(")\n")
                    .append(table(dropped));
        }
        if (!notLive.isEmpty() && !dropped.isEmpty()) {
            text.append("\nnot live (left alone): ").append(notLive.stream().map(String::valueOf)
                    .collect(Collectors.joining(", ")));
        }
        return text.toString();
    }

    static String stats(Statistics statistics) {
        List<String> headers = new ArrayList<>(List.of("COUNTER"));
        headers.addAll(statistics.perListener().keySet());
        headers.add("TOTAL");
        List<TrafficCounters> columns = new ArrayList<>(statistics.perListener().values());
        columns.add(statistics.total());
        Table table = new Table(headers.toArray(String[]::new));
        for (int i = 1; i < headers.size(); i++) {
            table.right(i);
        }
        row(table, "accepted", columns, TrafficCounters::accepted);
        row(table, "active", columns, TrafficCounters::active);
        row(table, "closed", columns, TrafficCounters::closed);
        for (RefusalReason reason : RefusalReason.values()) {
            row(table, "refused " + Units.label(reason), columns, counters -> counters.refused().get(reason));
        }
        for (UpstreamFailure failure : UpstreamFailure.values()) {
            row(table, "upstream " + Units.label(failure), columns, counters -> counters.upstreamFailures().get(failure));
        }
        for (CloseReason reason : CloseReason.values()) {
            row(table, "closed " + Units.label(reason), columns, counters -> counters.closedBy().get(reason));
        }
        rowText(table, "bytes from client", columns, counters -> Units.bytes(counters.bytesFromClient()));
        rowText(table, "bytes from server", columns, counters -> Units.bytes(counters.bytesFromServer()));
        return table.render() + "\nthroughput: " + Units.bitsPerSecond(statistics.bitsPerSecondFromClient())
                + " from clients, " + Units.bitsPerSecond(statistics.bitsPerSecondFromServer()) + " from servers (at "
                + statistics.takenAt() + ")";
    }

    static String listeners(List<ListenerInfo> listeners) {
        Table table = new Table(LISTENER_COLUMNS).right(3, 4, 5);
        for (ListenerInfo listener : listeners) {
            table.row(listener.name(), Units.label(listener.state()),
                    listener.boundAddresses().isEmpty() ? "-" : String.join(",", listener.boundAddresses()),
                    listener.counters().active(), listener.counters().accepted(), listener.counters().refusedTotal(),
                    listener.lastError() == null ? "-" : oneLine(listener.lastError()));
        }
        StringBuilder text = new StringBuilder(table.render()).append('\n').append(count(listeners.size(), "listener"));
        for (ListenerInfo listener : listeners) {
            text.append("\n\n").append(listener.name()).append(" (").append(listener.pid()).append(")");
            int width = listener.settings().keySet().stream().mapToInt(String::length).max().orElse(0);
            for (Map.Entry<String, String> setting : listener.settings().entrySet()) {
                text.append("\n  ").append(setting.getKey()).append(" ".repeat(width - setting.getKey().length() + 2))
                        .append(setting.getValue());
            }
        }
        return text.toString();
    }

    static String doctor(DoctorReport report, DoctorSettings settings) {
        int width = report.results().stream().mapToInt(result -> result.check().length()).max().orElse(0);
        StringBuilder text = new StringBuilder();
        for (CheckResult result : report.results()) {
            String status = result.status().name();
            text.append(status).append(" ".repeat(6 - status.length())).append(result.check())
                    .append(" ".repeat(width - result.check().length() + 2)).append(oneLine(result.detail())).append('\n');
            if (result.fix() != null) {
                text.append("      fix: ").append(oneLine(result.fix())).append('\n');
            }
        }
        return text.append("doctor: ").append(report.count(Status.FAIL)).append(" failed, ")
                .append(count((int) report.count(Status.WARN), "warning")).append(", ").append(report.count(Status.OK))
                .append(" ok (fwmark ").append(settings.mark()).append(", table ").append(settings.table()).append(')')
                .toString();
    }

    private static String table(List<ConnectionInfo> connections) {
        Table table = new Table(CONNECTION_COLUMNS).right(0, 6, 7, 8, 9);
        for (ConnectionInfo c : connections) {
            table.row(c.id(), c.listener(), Addresses.format(c.client()), Addresses.format(c.destination()),
                    Addresses.format(c.upstreamSource()), c.state().label(), Durations.format(c.age()),
                    Durations.format(c.idle()), Units.bytes(c.bytesFromClient()), Units.bytes(c.bytesFromServer()));
        }
        return table.render();
    }

    private static void row(Table table, String name, List<TrafficCounters> columns, Function<TrafficCounters, Long> value) {
        rowText(table, name, columns, counters -> String.valueOf(value.apply(counters)));
    }

    private static void rowText(Table table, String name, List<TrafficCounters> columns,
            Function<TrafficCounters, String> value) {
        List<Object> cells = new ArrayList<>(List.of(name));
        columns.forEach(counters -> cells.add(value.apply(counters)));
        table.row(cells.toArray());
    }

    private static String sizeAndCount(long bytes) {
        return bytes < 1024 ? Units.bytes(bytes) : Units.bytes(bytes) + " (" + bytes + " bytes)";
    }

    private static String fd(int fd) {
        return fd < 0 ? "-" : String.valueOf(fd);
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
