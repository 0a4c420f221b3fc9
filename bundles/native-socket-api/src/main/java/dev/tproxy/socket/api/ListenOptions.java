package dev.tproxy.socket.api;

import java.net.InetAddress;
import java.util.Objects;

/**
 * How to open a listening socket. Every listening socket has TCP_NODELAY, so the sockets it accepts start with it
 * (Linux copies the option to them): relayed bytes must not wait for Nagle.
 *
 * @param address local address; {@code 0.0.0.0} or {@code ::} for all
 * @param port local port, 1 to 65535, or 0 to let the kernel choose
 * @param backlog accept queue length
 * @param transparent set IP_TRANSPARENT / IPV6_TRANSPARENT so TPROXY can deliver foreign destinations
 * @param v6Only for IPv6 addresses: IPV6_V6ONLY (true keeps IPv4 to a separate socket)
 * @param reusePort SO_REUSEPORT, so a second socket can bind the same port (hand-over, several loops)
 */
public record ListenOptions(InetAddress address, int port, int backlog, boolean transparent, boolean v6Only,
        boolean reusePort) {

    public ListenOptions {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535: " + port);
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog must be positive: " + backlog);
        }
    }

    /**
     * A transparent listener on {@code address:port}: IPv6 only for IPv6 addresses, no SO_REUSEPORT (a second
     * listener on the same port fails with EADDRINUSE instead of sharing the arrivals unseen).
     */
    public static ListenOptions transparent(InetAddress address, int port, int backlog) {
        return new ListenOptions(address, port, backlog, true, true, false);
    }

    /** An ordinary (not transparent) listener, IPv6 only for IPv6 addresses, no SO_REUSEPORT. */
    public static ListenOptions ordinary(InetAddress address, int port, int backlog) {
        return new ListenOptions(address, port, backlog, false, true, false);
    }

    /** The same with SO_REUSEPORT on. */
    public ListenOptions withReusePort() {
        return new ListenOptions(address, port, backlog, transparent, v6Only, true);
    }
}
