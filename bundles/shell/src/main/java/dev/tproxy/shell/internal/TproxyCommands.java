package dev.tproxy.shell.internal;

import dev.tproxy.proxy.api.ConnectionFilter;
import dev.tproxy.proxy.api.ConnectionInfo;
import dev.tproxy.proxy.api.Connections;
import dev.tproxy.proxy.api.DropMode;
import dev.tproxy.proxy.api.ListenerInfo;
import dev.tproxy.shell.internal.doctor.Doctor;
import dev.tproxy.shell.internal.doctor.DoctorReport;
import dev.tproxy.shell.internal.doctor.DoctorSettings;
import dev.tproxy.shell.internal.doctor.HostProbe;
import dev.tproxy.shell.internal.doctor.LinuxHostProbe;
import dev.tproxy.shell.internal.doctor.Status;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@code tproxy} Gogo scope: inspect and drop connections, read statistics and listeners, check the host.
 * Each command returns its output as text (or JSON with {@code --json}); bad input is an
 * {@link IllegalArgumentException} whose message is one line naming the argument.
 */
@Component(service = Object.class)
@GogoCommand(scope = "tproxy", function = {"connections", "info", "drop", "stats", "listeners", "doctor"})
public final class TproxyCommands {
    private static final String CLIENT = "only clients in this network, e.g. 198.18.1.0/24 or 2001:2:0:1::/64";
    private static final String DESTINATION = "only original destinations in this network, e.g. 198.18.2.0/24";
    private static final String PORT = "only this original destination port, e.g. 80";
    private static final String LISTENER = "only connections accepted by this listener, e.g. default";
    private static final String STATE = "only this state: connecting, relaying, client-half-closed, server-half-closed";
    private static final String OLDER = "only connections open longer than this, e.g. 5m (250ms, 5s, 10m, 2h, 1d)";
    private static final String IDLE = "only connections with no byte either way for longer than this, e.g. 30s";
    private static final String JSON = "print JSON for scripts instead of a table";
    private static final String NOTHING_ELSE = "nothing else: a word that is none of the options above is refused";

    private final Connections connections;
    private final Doctor doctor;

    @Activate
    public TproxyCommands(@Reference Connections connections) {
        this(connections, new LinuxHostProbe());
    }

    TproxyCommands(Connections connections, HostProbe probe) {
        this.connections = connections;
        this.doctor = new Doctor(probe);
    }

    @Descriptor("list live connections, one row each, oldest first (filters combine: all must match)")
    public String connections(
            @Descriptor(CLIENT) @Parameter(names = {"-c", "--client"}, absentValue = "") String client,
            @Descriptor(DESTINATION) @Parameter(names = {"-d", "--destination"}, absentValue = "") String destination,
            @Descriptor(PORT) @Parameter(names = {"-p", "--port"}, absentValue = "") String port,
            @Descriptor(LISTENER) @Parameter(names = {"-l", "--listener"}, absentValue = "") String listener,
            @Descriptor(STATE) @Parameter(names = {"-s", "--state"}, absentValue = "") String state,
            @Descriptor(OLDER) @Parameter(names = {"-o", "--older-than"}, absentValue = "") String olderThan,
            @Descriptor(IDLE) @Parameter(names = {"-i", "--idle"}, absentValue = "") String idle,
            @Descriptor(JSON) @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor(NOTHING_ELSE) String... unexpected) {
        nothingElse("connections", unexpected);
        ConnectionFilter filter = filter(new FilterOptions(client, destination, port, listener, state, olderThan, idle));
        List<ConnectionInfo> found = connections.list(filter);
        return json ? JsonFormat.connections(found, filter) : TextFormat.connections(found, filter);
    }

    @Descriptor("show everything known about one connection, including its socket fds and pipe fill")
    public String info(
            @Descriptor(JSON) @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("the connection's id, as tproxy:connections shows it") String... ids) {
        long parsed = id("info", oneId(ids));
        ConnectionInfo connection = connections.get(parsed).orElseThrow(() -> new IllegalArgumentException(
                "id: no live connection " + parsed + " (tproxy:connections lists them)"));
        return json ? JsonFormat.info(connection) : TextFormat.info(connection);
    }

    @Descriptor("close connections by id or by filter: FIN to both peers, or RST with --reset; "
            + "says what it dropped (no filter at all needs --all)")
    public String drop(CommandSession session,
            @Descriptor(CLIENT) @Parameter(names = {"-c", "--client"}, absentValue = "") String client,
            @Descriptor(DESTINATION) @Parameter(names = {"-d", "--destination"}, absentValue = "") String destination,
            @Descriptor(PORT) @Parameter(names = {"-p", "--port"}, absentValue = "") String port,
            @Descriptor(LISTENER) @Parameter(names = {"-l", "--listener"}, absentValue = "") String listener,
            @Descriptor(STATE) @Parameter(names = {"-s", "--state"}, absentValue = "") String state,
            @Descriptor(OLDER) @Parameter(names = {"-o", "--older-than"}, absentValue = "") String olderThan,
            @Descriptor(IDLE) @Parameter(names = {"-i", "--idle"}, absentValue = "") String idle,
            @Descriptor("reset (RST) instead of closing gracefully (FIN)")
            @Parameter(names = {"-r", "--reset"}, presentValue = "true", absentValue = "false") boolean reset,
            @Descriptor("allow dropping every connection when no id and no filter is given")
            @Parameter(names = {"-a", "--all"}, presentValue = "true", absentValue = "false") boolean all,
            @Descriptor(JSON) @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("ids of the connections to drop, as tproxy:connections shows them") String... ids) {
        FilterOptions options = new FilterOptions(client, destination, port, listener, state, olderThan, idle);
        DropMode mode = reset ? DropMode.RESET : DropMode.GRACEFUL;
        List<ConnectionInfo> dropped;
        List<Long> notLive = new ArrayList<>();
        String selection;
        if (ids != null && ids.length > 0) {
            if (!options.none() || all) {
                throw new IllegalArgumentException("drop: give connection ids or filter options (or --all), not both");
            }
            Set<Long> wanted = new LinkedHashSet<>();
            for (String id : ids) {
                wanted.add(id("drop", id));
            }
            dropped = connections.drop(List.copyOf(wanted), mode);
            wanted.stream().filter(id -> dropped.stream().noneMatch(c -> c.id() == id)).forEach(notLive::add);
            selection = "with id " + wanted.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("");
        } else {
            if (options.none() && !all) {
                throw new IllegalArgumentException("drop: no ids and no filter would drop every connection; "
                        + "give ids, a filter (--client, --destination, --port, --listener, --state, --older-than, --idle) or --all");
            }
            ConnectionFilter filter = filter(options);
            dropped = connections.drop(filter, mode);
            selection = filter.isEmpty() ? "" : "matches " + filter;
        }
        if (!notLive.isEmpty()) {
            ExitStatus.failed(session);   // an id that does not exist (any more): the script should know
        }
        return json ? JsonFormat.dropped(dropped, mode, notLive) : TextFormat.dropped(dropped, mode, notLive, selection);
    }

    @Descriptor("show counters in total and per listener: accepted, active, refusals and upstream failures by reason, "
            + "bytes each way, current throughput")
    public String stats(
            @Descriptor(JSON) @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor(NOTHING_ELSE) String... unexpected) {
        nothingElse("stats", unexpected);
        return json ? JsonFormat.stats(connections.statistics()) : TextFormat.stats(connections.statistics());
    }

    @Descriptor("show each listener: its state, addresses, last error and configuration")
    public String listeners(
            @Descriptor(JSON) @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor(NOTHING_ELSE) String... unexpected) {
        nothingElse("listeners", unexpected);
        List<ListenerInfo> listeners = connections.listeners();
        return json ? JsonFormat.listeners(listeners) : TextFormat.listeners(listeners);
    }

    @Descriptor("check the host for what the proxy needs (forwarding, TPROXY rules, policy routing, sysctls, "
            + "capabilities, open-files limit); each check OK, WARN or FAIL with a command that fixes it")
    public String doctor(CommandSession session,
            @Descriptor("the fwmark the TPROXY rules set and the ip rule matches; default 1, as native/tproxy-host --mark")
            @Parameter(names = {"-m", "--mark"}, absentValue = "1") String mark,
            @Descriptor("the routing table with the `local default dev lo` routes; default 100, as native/tproxy-host --table")
            @Parameter(names = {"-t", "--table"}, absentValue = "100") String table,
            @Descriptor(JSON) @Parameter(names = {"-j", "--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor(NOTHING_ELSE) String... unexpected) {
        nothingElse("doctor", unexpected);
        DoctorSettings settings = DoctorSettings.parse(mark, table);
        DoctorReport report = doctor.examine(settings, connections.listeners());
        if (report.worst() == Status.FAIL) {
            ExitStatus.failed(session);   // WARN stays 0
        }
        return json ? JsonFormat.doctor(report, settings) : TextFormat.doctor(report, settings);
    }

    private ConnectionFilter filter(FilterOptions options) {
        if (options.none()) {
            return ConnectionFilter.all();
        }
        Set<String> names = new LinkedHashSet<>();
        connections.listeners().forEach(listener -> names.add(listener.name()));
        return options.toFilter(names);
    }

    /** What Gogo could not bind to an option is refused, naming the first such word. */
    private static void nothingElse(String command, String[] unexpected) {
        if (unexpected != null && unexpected.length > 0) {
            throw unknown(command, unexpected[0]);
        }
    }

    private static IllegalArgumentException unknown(String command, String word) {
        return new IllegalArgumentException(command + ": " + (word.startsWith("-") ? "unknown option" : "unexpected argument")
                + " '" + word + "' (help tproxy:" + command + " lists the options)");
    }

    /** The one id {@code info} takes; an option among several words is named as such (see {@link #id}). */
    private static String oneId(String[] ids) {
        if (ids == null || ids.length == 0) {
            throw new IllegalArgumentException("info: which connection? give its id (tproxy:connections lists them)");
        }
        if (ids.length > 1) {
            for (String id : ids) {
                if (id.startsWith("-")) {
                    throw unknown("info", id);
                }
            }
            throw new IllegalArgumentException("info: one connection id, not " + ids.length + " (tproxy:connections lists them)");
        }
        return ids[0];
    }

    private static long id(String command, String text) {
        if (text != null && text.startsWith("-")) {
            throw unknown(command, text);
        }
        try {
            long id = Long.parseLong(text == null ? "" : text.trim());
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("id: '" + text + "' is not a connection id (a number, as tproxy:connections shows)");
    }
}
