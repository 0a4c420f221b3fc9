package dev.tproxy.proxy.api;

import java.time.Duration;
import java.util.Objects;

/**
 * Which connections an operation applies to; every criterion left unset matches everything. Built with
 * {@link #builder()}; invalid input fails with a message naming the criterion.
 */
public final class ConnectionFilter {
    private static final ConnectionFilter ALL = builder().build();

    private final Cidr clientNetwork;
    private final Cidr destinationNetwork;
    private final Integer destinationPort;
    private final String listener;
    private final ConnectionState state;
    private final Duration olderThan;
    private final Duration idleLongerThan;

    private ConnectionFilter(Builder builder) {
        this.clientNetwork = builder.clientNetwork;
        this.destinationNetwork = builder.destinationNetwork;
        this.destinationPort = builder.destinationPort;
        this.listener = builder.listener;
        this.state = builder.state;
        this.olderThan = builder.olderThan;
        this.idleLongerThan = builder.idleLongerThan;
    }

    /** Matches every connection. */
    public static ConnectionFilter all() {
        return ALL;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True when no criterion is set (the filter matches everything). */
    public boolean isEmpty() {
        return clientNetwork == null && destinationNetwork == null && destinationPort == null && listener == null
                && state == null && olderThan == null && idleLongerThan == null;
    }

    public boolean matches(ConnectionInfo connection) {
        return (clientNetwork == null || clientNetwork.contains(connection.client().getAddress()))
                && (destinationNetwork == null || destinationNetwork.contains(connection.destination().getAddress()))
                && (destinationPort == null || destinationPort == connection.destination().getPort())
                && (listener == null || listener.equals(connection.listener()))
                && (state == null || state == connection.state())
                && (olderThan == null || connection.age().compareTo(olderThan) > 0)
                && (idleLongerThan == null || connection.idle().compareTo(idleLongerThan) > 0);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        append(text, "client", clientNetwork);
        append(text, "destination", destinationNetwork);
        append(text, "port", destinationPort);
        append(text, "listener", listener);
        append(text, "state", state == null ? null : state.label());
        append(text, "older-than", olderThan == null ? null : Durations.format(olderThan));
        append(text, "idle", idleLongerThan == null ? null : Durations.format(idleLongerThan));
        return text.length() == 0 ? "all" : text.toString();
    }

    private static void append(StringBuilder text, String name, Object value) {
        if (value != null) {
            text.append(text.length() == 0 ? "" : " ").append(name).append('=').append(value);
        }
    }

    /** Builds a filter; each setter accepts null for "any" and rejects malformed input with a clear message. */
    public static final class Builder {
        private Cidr clientNetwork;
        private Cidr destinationNetwork;
        private Integer destinationPort;
        private String listener;
        private ConnectionState state;
        private Duration olderThan;
        private Duration idleLongerThan;

        private Builder() {}

        public Builder clientNetwork(String cidr) {
            clientNetwork = cidr == null ? null : parse("client network", cidr);
            return this;
        }

        public Builder destinationNetwork(String cidr) {
            destinationNetwork = cidr == null ? null : parse("destination network", cidr);
            return this;
        }

        public Builder destinationPort(Integer port) {
            if (port != null && (port < 1 || port > 65535)) {
                throw new IllegalArgumentException("destination port: must be 1..65535, was " + port);
            }
            destinationPort = port;
            return this;
        }

        public Builder listener(String name) {
            listener = name;
            return this;
        }

        public Builder state(ConnectionState value) {
            state = value;
            return this;
        }

        public Builder olderThan(Duration value) {
            olderThan = nonNegative("older than", value);
            return this;
        }

        public Builder idleLongerThan(Duration value) {
            idleLongerThan = nonNegative("idle", value);
            return this;
        }

        public ConnectionFilter build() {
            return new ConnectionFilter(this);
        }

        private static Cidr parse(String what, String cidr) {
            try {
                return Cidr.parse(cidr);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
            }
        }

        private static Duration nonNegative(String what, Duration value) {
            if (value != null && value.isNegative()) {
                throw new IllegalArgumentException(what + ": must not be negative");
            }
            return value;
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ConnectionFilter f && Objects.equals(f.toString(), toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
