package dev.tproxy.proxy.api;

/** Where a connection is in its life. */
public enum ConnectionState {
    /** Accepted from the client; the upstream connect is in progress. */
    CONNECTING,
    /** Both directions open. */
    RELAYING,
    /** The client sent FIN (relayed to the server); the server's bytes still flow to the client. */
    CLIENT_HALF_CLOSED,
    /** The server sent FIN (relayed to the client); the client's bytes still flow to the server. */
    SERVER_HALF_CLOSED,
    /** Ending; gone from the list soon. */
    CLOSED;

    /** The lower-case, dash-separated form used in output and filters, e.g. {@code client-half-closed}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /** Parses {@link #label()} or the enum name; the error names the accepted values. */
    public static ConnectionState parse(String text) {
        for (ConnectionState state : values()) {
            if (state.label().equalsIgnoreCase(text) || state.name().equalsIgnoreCase(text)) {
                return state;
            }
        }
        throw new IllegalArgumentException("state: unknown '" + text + "' (one of connecting, relaying, "
                + "client-half-closed, server-half-closed)");
    }
}
