package dev.tproxy.shell.internal;

import dev.tproxy.proxy.api.Cidr;
import dev.tproxy.proxy.api.ConnectionFilter;
import dev.tproxy.proxy.api.ConnectionState;
import dev.tproxy.proxy.api.Durations;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.stream.Collectors;

/**
 * The filter options of {@code tproxy:connections} and {@code tproxy:drop}, as Gogo hands them over (an
 * absent option is the empty string), turned into a {@link ConnectionFilter}. Every error names its option.
 */
record FilterOptions(String client, String destination, String port, String listener, String state,
        String olderThan, String idle) {

    /** Builds the filter; {@code listeners} are the known listener names, to catch a misspelt one. */
    ConnectionFilter toFilter(Collection<String> listeners) {
        ConnectionFilter.Builder builder = ConnectionFilter.builder();
        if (given(client)) {
            builder.clientNetwork(network("--client", client));
        }
        if (given(destination)) {
            builder.destinationNetwork(network("--destination", destination));
        }
        if (given(port)) {
            builder.destinationPort(port(port));
        }
        if (given(listener)) {
            if (!listeners.contains(listener.trim())) {
                throw new IllegalArgumentException("--listener: no listener named '" + listener + "' (known: "
                        + (listeners.isEmpty() ? "none" : String.join(", ", listeners)) + ")");
            }
            builder.listener(listener.trim());
        }
        if (given(state)) {
            builder.state(state(state));
        }
        if (given(olderThan)) {
            builder.olderThan(duration("--older-than", olderThan));
        }
        if (given(idle)) {
            builder.idleLongerThan(duration("--idle", idle));
        }
        return builder.build();
    }

    /** True when no option was given at all. */
    boolean none() {
        return !given(client) && !given(destination) && !given(port) && !given(listener) && !given(state)
                && !given(olderThan) && !given(idle);
    }

    private static boolean given(String value) {
        return value != null && !value.isBlank();
    }

    private static String network(String option, String text) {
        try {
            Cidr.parse(text);
            return text.trim();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }

    private static Integer port(String text) {
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= 1 && value <= 65535) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--port: '" + text + "' is not a port (1..65535)");
    }

    private static ConnectionState state(String text) {
        try {
            return ConnectionState.parse(text.trim());
        } catch (IllegalArgumentException e) {
            String known = Arrays.stream(ConnectionState.values()).map(ConnectionState::label)
                    .collect(Collectors.joining(", "));
            throw new IllegalArgumentException("--state: unknown state '" + text + "' (one of " + known + ")");
        }
    }

    // Durations.parse names the expected form but not the option.
    private static Duration duration(String option, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }
}
