package dev.tproxy.proxy.internal.config;

import dev.tproxy.proxy.api.Addresses;
import dev.tproxy.proxy.api.Cidr;
import dev.tproxy.proxy.api.Durations;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A listener's configuration, validated: every value usable as it is. */
public record ListenerSettings(String name, int port, List<InetAddress> bindAddresses, int backlog, SourceMode sourceMode,
        int upstreamMark, Duration connectTimeout, Duration idleTimeout, Duration halfClosedTimeout, int maxConnections,
        int maxConnectionsPerClient,
        List<Cidr> allowedClients, int pipeSize, ConnectionLogging logConnections, AccessLogFormat logFormat) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    /** Validates every field; the first bad one is reported with its name, its value and what is allowed. */
    public static ListenerSettings from(ListenerConfig config) {
        return new ListenerSettings(
                name(config.name()),
                Fields.integer("port", config.port(), 1, 65535),
                addresses(config.bind_addresses()),
                Fields.integer("backlog", config.backlog(), 1, 65535),
                sourceMode(config.source_mode()),
                (int) Fields.longValue("upstream.mark", config.upstream_mark(), 0, 0xffff_ffffL),
                Fields.duration("connect.timeout", config.connect_timeout(), Duration.ofMillis(1), Duration.ofMinutes(10)),
                Fields.duration("idle.timeout", config.idle_timeout(), Duration.ZERO, Duration.ofDays(365)),
                Fields.duration("half.closed.timeout", config.half_closed_timeout(), Duration.ZERO, Duration.ofDays(365)),
                Fields.integer("max.connections", config.max_connections(), 1, 1_000_000),
                Fields.integer("max.connections.per.client", config.max_connections_per_client(), 0, 1_000_000),
                networks(config.allowed_clients()),
                Fields.integer("pipe.size", config.pipe_size(), 4096, 1 << 20),
                connectionLogging(config.log_connections()),
                accessLogFormat(config.log_format()));
    }

    /** The settings field by field, as operators write them (shown by {@code tproxy:listeners}). */
    public Map<String, String> describe() {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("name", name);
        fields.put("port", String.valueOf(port));
        fields.put("bind.addresses", bindAddresses.stream().map(Addresses::host).collect(Collectors.joining(",")));
        fields.put("backlog", String.valueOf(backlog));
        fields.put("source.mode", sourceMode.name().toLowerCase(Locale.ROOT));
        fields.put("upstream.mark", String.valueOf(Integer.toUnsignedLong(upstreamMark)));
        fields.put("connect.timeout", Durations.format(connectTimeout));
        fields.put("idle.timeout", idleTimeout.isZero() ? "0" : Durations.format(idleTimeout));
        fields.put("half.closed.timeout", halfClosedTimeout.isZero() ? "0" : Durations.format(halfClosedTimeout));
        fields.put("max.connections", String.valueOf(maxConnections));
        fields.put("max.connections.per.client", String.valueOf(maxConnectionsPerClient));
        fields.put("allowed.clients", allowedClients.stream().map(Cidr::toString).collect(Collectors.joining(",")));
        fields.put("pipe.size", String.valueOf(pipeSize));
        fields.put("log.connections", logConnections.name().toLowerCase(Locale.ROOT));
        fields.put("log.format", logFormat.name().toLowerCase(Locale.ROOT));
        return fields;
    }

    /** True when the listening sockets must be reopened to apply {@code next} (addresses or port changed). */
    public boolean needsNewSockets(ListenerSettings next) {
        return port != next.port || backlog != next.backlog || !bindAddresses.equals(next.bindAddresses);
    }

    private static String name(String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new ConfigurationError("name", "must be 1-32 letters, digits, '.', '_' or '-', was '" + value + "'");
        }
        return value;
    }

    private static SourceMode sourceMode(String value) {
        return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
            case "client" -> SourceMode.CLIENT;
            case "router" -> SourceMode.ROUTER;
            default -> throw new ConfigurationError("source.mode", "unknown mode '" + value + "' (client or router)");
        };
    }

    private static ConnectionLogging connectionLogging(String value) {
        return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
            case "all" -> ConnectionLogging.ALL;
            case "failures" -> ConnectionLogging.FAILURES;
            case "none" -> ConnectionLogging.NONE;
            default -> throw new ConfigurationError("log.connections", "unknown value '" + value + "' (all, failures or none)");
        };
    }

    private static AccessLogFormat accessLogFormat(String value) {
        return switch (value == null ? "" : value.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> AccessLogFormat.TEXT;
            case "json" -> AccessLogFormat.JSON;
            default -> throw new ConfigurationError("log.format", "unknown format '" + value + "' (text or json)");
        };
    }

    private static List<InetAddress> addresses(String[] values) {
        if (values == null || values.length == 0) {
            throw new ConfigurationError("bind.addresses", "empty: give at least one address (0.0.0.0 and :: for all)");
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (String value : values) {
            String text = value == null ? "" : value.trim();
            if (!IPV4.matcher(text).matches() && !IPV6.matcher(text).matches()) {
                throw new ConfigurationError("bind.addresses", "'" + value + "' is not an IP address");
            }
            try {
                InetAddress address = InetAddress.getByName(text);
                if (addresses.contains(address)) {
                    throw new ConfigurationError("bind.addresses", "'" + value + "' is listed twice");
                }
                addresses.add(address);
            } catch (java.net.UnknownHostException e) {
                throw new ConfigurationError("bind.addresses", "'" + value + "' is not an IP address");
            }
        }
        return List.copyOf(addresses);
    }

    private static List<Cidr> networks(String[] values) {
        if (values == null || values.length == 0) {
            throw new ConfigurationError("allowed.clients", "empty: no client could connect (0.0.0.0/0 and ::/0 allow all)");
        }
        List<Cidr> networks = new ArrayList<>();
        for (String value : values) {
            try {
                networks.add(Cidr.parse(value));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationError("allowed.clients", e.getMessage());
            }
        }
        return List.copyOf(networks);
    }
}
