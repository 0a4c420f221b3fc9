package dev.tproxy.socket.api;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * How to connect upstream.
 *
 * @param destination where to connect (the original destination of a diverted flow)
 * @param source local address to bind before connecting (port chosen by the kernel), or null to let the
 *        routing table choose the router's own address
 * @param transparent set IP_TRANSPARENT so {@code source} may be a foreign address (the client's)
 * @param mark SO_MARK for the socket's packets, 0 for none
 * @param ackWithFirstData hold the handshake's last ACK back so that it travels with the first bytes sent
 *        (see {@link #withAckOnFirstData()})
 */
public record ConnectOptions(InetSocketAddress destination, InetAddress source, boolean transparent, int mark,
        boolean ackWithFirstData) {

    public ConnectOptions {
        Objects.requireNonNull(destination, "destination");
        if (destination.isUnresolved()) {
            throw new IllegalArgumentException("destination must be an address, not a name: " + destination);
        }
        if (source != null && (source.getAddress().length != destination.getAddress().getAddress().length)) {
            throw new IllegalArgumentException("source " + source.getHostAddress() + " and destination "
                    + destination.getAddress().getHostAddress() + " are of different address families");
        }
    }

    /** Connect as the client: a transparent socket bound to the client's address. */
    public static ConnectOptions asClient(InetSocketAddress destination, InetAddress client, int mark) {
        return new ConnectOptions(destination, client, true, mark, false);
    }

    /** Connect as the router: the kernel picks the router's own source address. */
    public static ConnectOptions asRouter(InetSocketAddress destination, int mark) {
        return new ConnectOptions(destination, null, false, mark, false);
    }

    /**
     * The same, with the last ACK of the handshake held back (TCP_QUICKACK off before connecting) so that it
     * travels with the first bytes sent instead of in a packet of its own: one packet less per connection for
     * both hosts. Whoever connects must, once connected, either send something or call
     * {@link StreamSocket#sendPendingAck()}; otherwise the server only learns of the connection when the kernel's
     * delayed-ACK timer fires (200 ms).
     */
    public ConnectOptions withAckOnFirstData() {
        return new ConnectOptions(destination, source, transparent, mark, true);
    }
}
